import { Component, type ReactNode } from 'react';

/** What a lazily loaded page shows while its code arrives: announced politely to screen readers. */
export function PageLoading() {
  return (
    <p className="page" role="status" aria-live="polite">
      Loading…
    </p>
  );
}

type PageLoadBoundaryProps = { children: ReactNode; /** A new value (the next page) clears a failure. */ resetKey: string };
type PageLoadBoundaryState = { failed: null | 'load' | 'render' };

/** The errors browsers give when a dynamic import cannot be fetched (Chromium, Firefox, Safari), and vite's preload. */
const LOAD_FAILURE = /dynamically imported module|error loading dynamically imported|importing a module script failed|preload css/i;

/**
 * Catches a page whose code could not be fetched (offline, or a new release replaced its chunk) and offers a reload
 * instead of a blank page; any other error in a page gets the same offer with plainer words.
 */
export class PageLoadBoundary extends Component<PageLoadBoundaryProps, PageLoadBoundaryState> {
  override state: PageLoadBoundaryState = { failed: null };

  static getDerivedStateFromError(error: unknown): PageLoadBoundaryState {
    return { failed: error instanceof Error && LOAD_FAILURE.test(error.message) ? 'load' : 'render' };
  }

  override componentDidUpdate(prev: PageLoadBoundaryProps) {
    if (this.state.failed && prev.resetKey !== this.props.resetKey) this.setState({ failed: null });
  }

  handleReload = () => {
    window.location.reload();
  };

  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <div className="page" role="alert">
        <p>
          {this.state.failed === 'load'
            ? 'This page could not be loaded. Check your connection and try again.'
            : 'Something went wrong showing this page. Reloading may help.'}
        </p>
        <button type="button" className="button" onClick={this.handleReload}>
          Reload
        </button>
      </div>
    );
  }
}
