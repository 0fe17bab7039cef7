import { type ChangeEvent, useState } from 'react';
import type { ForceAreaPreview } from '../../../shared/schemas/admin';
import { ForceAreaUpload } from '../../../shared/schemas/forces';
import { ApiError, api } from '../api/client';
import { AreaPreviewMap } from './AreaPreviewMap';
import { useForces } from './useForces';

/** Largest GeoJSON file read in the browser (the API's body limit is about the same). */
const MAX_FILE_BYTES = 5 * 1024 * 1024;

const describe = (a: { polygonCount: number; vertexCount: number }) =>
  `${a.polygonCount} ${a.polygonCount === 1 ? 'polygon' : 'polygons'}, ${a.vertexCount} points`;

/**
 * Replace a force's area: upload a GeoJSON file, see it checked by the server and drawn beside the area now, and
 * only then confirm. The file is checked in the browser first with the same schema the API uses.
 */
export function AreasSection() {
  const [version, setVersion] = useState(0);
  const { forces } = useForces(version);
  const [forceId, setForceId] = useState('');
  const [area, setArea] = useState<ForceAreaUpload | null>(null);
  const [fileName, setFileName] = useState('');
  const [preview, setPreview] = useState<ForceAreaPreview | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [message, setMessage] = useState<{ text: string; error?: boolean } | null>(null);
  const chosen = forceId || forces[0]?.id || '';

  function reset() {
    setPreview(null);
    setConfirming(false);
  }

  async function handleFile(e: ChangeEvent<HTMLInputElement>) {
    reset();
    setArea(null);
    setMessage(null);
    const file = e.target.files?.[0];
    if (!file) return;
    setFileName(file.name);
    if (file.size > MAX_FILE_BYTES)
      return setMessage({ text: 'That file is larger than 5 MB. Simplify the boundary first.', error: true });
    let json: unknown;
    try {
      json = JSON.parse(await file.text());
    } catch {
      return setMessage({ text: 'That file is not valid JSON. Choose a GeoJSON file.', error: true });
    }
    const parsed = ForceAreaUpload.safeParse(json);
    if (!parsed.success) {
      return setMessage({
        text: 'That file is not a GeoJSON Polygon or MultiPolygon (bare, a Feature or a FeatureCollection of them).',
        error: true,
      });
    }
    setArea(parsed.data);
  }

  async function handlePreview() {
    if (!area || !chosen) return;
    setMessage(null);
    try {
      setPreview(await api<ForceAreaPreview>('POST', `/api/forces/${chosen}/area/preview`, area));
    } catch (err) {
      setMessage({ text: err instanceof ApiError ? err.message : 'Could not check the file', error: true });
    }
  }

  async function handleReplace() {
    if (!area || !preview) return;
    try {
      await api('PUT', `/api/forces/${preview.forceId}/area`, { area, confirm: true });
      setMessage({ text: `${preview.name}'s area is replaced. New reports are routed by it from now on.` });
      reset();
      setArea(null);
      setFileName('');
      setVersion((v) => v + 1);
    } catch (err) {
      setMessage({ text: err instanceof ApiError ? err.message : 'Could not replace the area', error: true });
    }
  }

  return (
    <div className="admin-stack">
      <h2>Force areas</h2>
      <p className="hint">
        A force's area decides which force gets each new report and which owners an advisory reaches. Upload a GeoJSON boundary,
        check it on the map, then confirm.
      </p>
      <div className="card form">
        <div className="admin-grid">
          <div className="field">
            <label htmlFor="area-force">Force</label>
            <select
              id="area-force"
              value={chosen}
              onChange={(e) => {
                setForceId(e.target.value);
                reset();
              }}
            >
              {forces.map((f) => (
                <option key={f.id} value={f.id}>
                  {f.name} ({describe(f)})
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="area-file">GeoJSON file</label>
            <p className="hint" id="area-file-hint">
              A Polygon or MultiPolygon, as a geometry, a Feature or a FeatureCollection. Longitude first, WGS 84.
            </p>
            <input
              id="area-file"
              type="file"
              accept=".geojson,.json,application/geo+json,application/json"
              onChange={handleFile}
              aria-describedby="area-file-hint"
            />
          </div>
        </div>
        <div className="button-row">
          <button type="button" className="button button-primary" disabled={!area || !chosen} onClick={handlePreview}>
            Check and preview{fileName ? ` ${fileName}` : ''}
          </button>
        </div>
      </div>
      {message && (
        <p className={`alert ${message.error ? 'alert-error' : 'alert-ok'}`} role={message.error ? 'alert' : 'status'}>
          {message.text}
        </p>
      )}
      {preview && (
        <div className="card admin-stack" data-testid="area-preview">
          <h3>Preview for {preview.name}</h3>
          <p>
            Now: {describe(preview.current)}. Uploaded: <strong>{describe(preview.proposed)}</strong>. The server checked the
            file: every ring is closed, has an area and does not cross itself.
          </p>
          <AreaPreviewMap current={preview.current} proposed={preview.proposed} />
          {confirming ? (
            <div className="alert alert-warn" role="alert">
              <p>
                <strong>Replace {preview.name}'s area with the uploaded one?</strong> Reports already filed keep their force; new
                reports, alerts and advisories use the new area at once.
              </p>
              <div className="button-row">
                <button type="button" className="button button-danger" onClick={handleReplace}>
                  Yes, replace the area
                </button>
                <button type="button" className="button button-quiet" onClick={() => setConfirming(false)}>
                  Cancel
                </button>
              </div>
            </div>
          ) : (
            <div className="button-row">
              <button type="button" className="button button-primary" onClick={() => setConfirming(true)}>
                Replace {preview.name}'s area…
              </button>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
