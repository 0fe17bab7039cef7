/**
 * A small RFC 4180 CSV parser for the property import (shared so the browser can read the file, count rows and send
 * them in batches with progress). Quoted fields may hold commas, quotes ("") and line breaks; CRLF or LF line ends;
 * a UTF-8 byte-order mark is ignored. Each record keeps the line it started on, for error messages.
 */
export interface CsvRecord {
  line: number;
  fields: string[];
}

export function parseCsv(input: string): CsvRecord[] {
  const text = input.charCodeAt(0) === 0xfeff ? input.slice(1) : input;
  const out: CsvRecord[] = [];
  let fields: string[] = [];
  let field = '';
  let quoted = false;
  let line = 1;
  let start = 1;
  let any = false;
  const endRecord = () => {
    fields.push(field);
    if (fields.length > 1 || fields[0]!.trim() !== '') out.push({ line: start, fields });
    fields = [];
    field = '';
    any = false;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else {
        if (c === '\n') line++;
        field += c;
      }
      continue;
    }
    if (!any) {
      start = line;
      any = true;
    }
    if (c === '"' && field.trim() === '') {
      field = '';
      quoted = true;
    } else if (c === ',') {
      fields.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRecord();
      line++;
    } else field += c;
  }
  if (any || field !== '' || fields.length) endRecord();
  return out;
}

/** Header names compared loosely: `Listing URL`, `listing_url` and `listingUrl` are the same column. */
export const csvKey = (name: string) => name.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Records under a header row as objects keyed by csvKey(header), each with its line number. */
export function csvObjects(input: string): { header: string[]; rows: Array<{ line: number; values: Record<string, string> }> } {
  const [head, ...records] = parseCsv(input);
  const header = (head?.fields ?? []).map((h) => csvKey(h));
  return {
    header,
    rows: records.map((r) => ({
      line: r.line,
      values: Object.fromEntries(header.map((h, i) => [h, (r.fields[i] ?? '').trim()])),
    })),
  };
}
