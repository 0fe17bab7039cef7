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
type PageLoadBoundaryState = { failed: boolean };

/**
 * Catches a page whose code could not be fetched (offline, or a new release replaced its chunk)
 * and offers a reload instead of a blank page.
 */
export class PageLoadBoundary extends Component<PageLoadBoundaryProps, PageLoadBoundaryState> {
  override state: PageLoadBoundaryState = { failed: false };

  static getDerivedStateFromError(): PageLoadBoundaryState {
    return { failed: true };
  }

  override componentDidUpdate(prev: PageLoadBoundaryProps) {
    if (this.state.failed && prev.resetKey !== this.props.resetKey) this.setState({ failed: false });
  }

  handleReload = () => {
    window.location.reload();
  };

  override render() {
    if (!this.state.failed) return this.props.children;
    return (
      <div className="page" role="alert">
        <p>This page could not be loaded. Check your connection and try again.</p>
        <button type="button" className="button" onClick={this.handleReload}>
          Reload
        </button>
      </div>
    );
  }
}
