import { type ChangeEvent, useState } from 'react';
import { csvObjects } from '../../../shared/csv';
import { PROPERTY_IMPORT_BATCH, type PropertyImportResult } from '../../../shared/schemas/alerts';
import { ApiError, api } from '../api/client';

/**
 * For letting agencies: import properties from a CSV file (address, postcode, type, latitude, longitude, listing
 * URL). The file is read here and sent in batches, with a progress bar and one line for each rejected row.
 */
export function PropertyImport({ onDone }: { onDone: () => void }) {
  const [progress, setProgress] = useState<{ done: number; total: number } | null>(null);
  const [created, setCreated] = useState(0);
  const [rejected, setRejected] = useState<PropertyImportResult['rejected']>([]);
  const [error, setError] = useState<string | null>(null);
  const [finished, setFinished] = useState(false);

  async function handleFile(e: ChangeEvent<HTMLInputElement>) {
    const file = e.target.files?.[0];
    e.target.value = '';
    if (!file) return;
    setError(null);
    setFinished(false);
    setCreated(0);
    setRejected([]);
    const { header, rows } = csvObjects(await file.text());
    if (!header.includes('address')) {
      setError('The first row must name the columns, with at least "address" and "type".');
      return;
    }
    if (rows.length === 0) {
      setError('The file has no rows under its header.');
      return;
    }
    setProgress({ done: 0, total: rows.length });
    let made = 0;
    const refused: PropertyImportResult['rejected'] = [];
    try {
      for (let i = 0; i < rows.length; i += PROPERTY_IMPORT_BATCH) {
        const batch = rows.slice(i, i + PROPERTY_IMPORT_BATCH).map((r) => ({ line: r.line, values: r.values }));
        const res = await api<PropertyImportResult>('POST', '/api/properties/import', { rows: batch });
        made += res.created.length;
        refused.push(...res.rejected);
        setCreated(made);
        setRejected([...refused]);
        setProgress({ done: Math.min(i + batch.length, rows.length), total: rows.length });
      }
      setFinished(true);
    } catch (err) {
      setError(
        err instanceof ApiError ? `The import stopped: ${err.message}` : 'The import stopped. Rows already imported are kept.',
      );
    } finally {
      onDone();
    }
  }

  return (
    <section className="card property-import" aria-labelledby="import-h">
      <h3 id="import-h">Import properties from a CSV file</h3>
      <p className="hint" id="import-hint">
        For letting agencies. One property per row under a header row with the columns <code>address</code>, <code>type</code>{' '}
        (for example <code>S</code> or <code>short-let</code>), and either <code>postcode</code> or <code>latitude</code> and{' '}
        <code>longitude</code>; <code>listing url</code> is optional.
      </p>
      <div className="field">
        <label htmlFor="import-file">CSV file</label>
        <input id="import-file" type="file" accept=".csv,text/csv" aria-describedby="import-hint" onChange={handleFile} />
      </div>
      {progress && (
        <div className="import-progress">
          <label htmlFor="import-progress">
            Rows read: {progress.done} of {progress.total}
          </label>
          <progress id="import-progress" max={progress.total} value={progress.done} />
        </div>
      )}
      <p role="status" className="hint">
        {finished ? `Done: ${created} imported, ${rejected.length} rejected.` : ''}
      </p>
      {error && (
        <p className="alert alert-error" role="alert">
          {error}
        </p>
      )}
      {rejected.length > 0 && (
        <>
          <h4>Rejected rows</h4>
          <ul className="import-errors">
            {rejected.map((r) => (
              <li key={r.line}>
                Line {r.line}: {r.message}
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
