/** The entity page's path for a key (`/police/entities/phone%3A%2B447700900123`). */
export const entityPath = (key: string) => `/police/entities/${encodeURIComponent(key)}`;
/** The API path of an entity's evidence pack. */
export const packPath = (key: string, format: 'csv' | 'html') => `/api/entities/${encodeURIComponent(key)}/pack?format=${format}`;
