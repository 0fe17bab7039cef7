import { useRef, useState } from 'react';
import { ApiError, type DownloadProgress, download } from '../api/client';
import { saveFile } from '../api/save-file';

type Format = 'csv' | 'geojson';

function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} kB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** CSV and GeoJSON of exactly the current filters, streamed with progress, then saved through a blob link. */
export function ExportButtons({ query }: { query: string }) {
  const [progress, setProgress] = useState<(DownloadProgress & { format: Format }) | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const controllerRef = useRef<AbortController | null>(null);

  async function handleExport(format: Format) {
    controllerRef.current?.abort();
    const controller = new AbortController();
    controllerRef.current = controller;
    setError(null);
    setStatus(null);
    setProgress({ bytes: 0, lines: 0, total: null, format });
    try {
      const {
        blob,
        filename,
        progress: final,
      } = await download(
        `/api/reports/export?format=${format}&${query}`,
        (p) => setProgress({ ...p, format }),
        controller.signal,
      );
      const name = filename ?? `staywatch-reports.${format === 'csv' ? 'csv' : 'geojson'}`;
      saveFile(blob, name);
      const rows = final.total ?? Math.max(0, final.lines - (format === 'csv' ? 1 : 0));
      setStatus(`Saved ${name}: ${rows.toLocaleString('en-GB')} reports, ${formatBytes(final.bytes)}.`);
    } catch (err) {
      if (controller.signal.aborted) setStatus('Export cancelled.');
      else setError(err instanceof ApiError ? err.message : 'The export failed');
    } finally {
      if (controllerRef.current === controller) controllerRef.current = null;
      setProgress(null);
    }
  }

  const pct = progress?.total
    ? Math.min(100, Math.round(((progress.lines - (progress.format === 'csv' ? 1 : 0)) / progress.total) * 100))
    : null;

  return (
    <section className="pw-export" aria-labelledby="pw-export-title">
      <h2 id="pw-export-title" className="visually-hidden">
        Export
      </h2>
      <div className="button-row">
        <button type="button" className="button" onClick={() => handleExport('csv')} disabled={progress !== null}>
          Export CSV<span className="visually-hidden"> of the reports these filters select</span>
        </button>
        <button type="button" className="button" onClick={() => handleExport('geojson')} disabled={progress !== null}>
          Export GeoJSON<span className="visually-hidden"> of the reports these filters select</span>
        </button>
        {progress && (
          <button type="button" className="button button-quiet" onClick={() => controllerRef.current?.abort()}>
            Cancel
          </button>
        )}
      </div>
      <div aria-live="polite" className="pw-export-status">
        {progress && (
          <>
            <progress max={100} value={pct ?? undefined} aria-label="Export progress" />
            <span data-testid="export-progress">
              {formatBytes(progress.bytes)} received
              {progress.total !== null ? `, ${pct ?? 0}% of ${progress.total.toLocaleString('en-GB')} reports` : ''}
            </span>
          </>
        )}
        {status && (
          <span className="pw-export-done" data-testid="export-status">
            {status}
          </span>
        )}
      </div>
      {error && (
        <div className="alert alert-error" role="alert">
          {error}
        </div>
      )}
    </section>
  );
}
