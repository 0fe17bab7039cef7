import { type FormEvent, useState } from 'react';
import type { SearchMatchKind, SearchResults } from '../../../shared/schemas/officer';
import { ApiError, api } from '../api/client';
import { PriorityBadge, StatusBadge } from './badges';
import './officer-actions.css';

const MATCHED: Record<SearchMatchKind, string> = {
  reference: 'Reference',
  address: 'Address',
  entity: 'Linked entity',
};

/** One search box: a reference (spaces and case ignored), address words or a linked entity; a single reference hit opens at once. */
export function ReportSearch({ onSelect }: { onSelect: (id: string) => void }) {
  const [results, setResults] = useState<SearchResults | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function handleSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    const q = String(new FormData(e.currentTarget).get('q') ?? '').trim();
    if (q.length < 2) {
      setError('Type at least 2 characters: a reference such as SW-7K3P-9QXD, part of an address, or a phone number, vehicle registration or listing.');
      setResults(null);
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const found = await api<SearchResults>('GET', `/api/reports/search?q=${encodeURIComponent(q)}&limit=20`);
      setResults(found);
      const first = found.items[0];
      if (first?.matchedBy === 'reference' && found.items.length === 1) onSelect(first.id);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : 'The search failed');
      setResults(null);
    } finally {
      setBusy(false);
    }
  }

  return (
    <search className="oa-search" aria-label="Find a report">
      <form className="oa-search-form" onSubmit={handleSubmit} noValidate>
        <label htmlFor="oa-search-q" className="oa-search-label">
          Find a report
        </label>
        <input
          id="oa-search-q"
          name="q"
          type="search"
          autoComplete="off"
          placeholder="Reference, address, phone, vehicle or listing"
          maxLength={200}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'oa-search-error' : undefined}
        />
        <button type="submit" className="button" disabled={busy}>
          Search
        </button>
      </form>
      {error && (
        <p id="oa-search-error" className="field-error" role="alert">
          {error}
        </p>
      )}
      {results && (
        <div className="oa-search-results" aria-live="polite">
          <p className="hint" data-testid="search-count">
            {results.items.length === 0
              ? 'No report matches.'
              : `${results.items.length}${results.more ? '+' : ''} report${results.items.length === 1 ? '' : 's'} found`}
          </p>
          <ul>
            {results.items.map((r) => (
              <li key={r.id}>
                <button type="button" className="oa-search-item" onClick={() => onSelect(r.id)}>
                  <strong>{r.reference}</strong> <PriorityBadge priority={r.priority} /> <StatusBadge status={r.status} />
                  <span className="oa-search-meta">
                    {r.address ?? 'No address'} · matched by {MATCHED[r.matchedBy].toLowerCase()}
                  </span>
                </button>
              </li>
            ))}
          </ul>
          <button type="button" className="button button-quiet pw-small" onClick={() => setResults(null)}>
            Clear results
          </button>
        </div>
      )}
    </search>
  );
}
