import { Component, type ErrorInfo, type ReactNode } from 'react';

/**
 * Keeps one broken part of the page (a record shaped in a way nobody expected) from blanking the whole UI: the part
 * shows what went wrong and can be retried; everything else, unsaved forms included, stays.
 */
export class ErrorBoundary extends Component<{ children: ReactNode; what: string }, { error: Error | undefined }> {
  override state: { error: Error | undefined } = { error: undefined };

  static getDerivedStateFromError(error: unknown): { error: Error } {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error(`Could not show ${this.props.what}`, error, info.componentStack);
  }

  override render(): ReactNode {
    if (!this.state.error) return this.props.children;
    return (
      <div className="callout callout-warning" role="alert">
        <div>
          <strong>Could not show {this.props.what}.</strong> {this.state.error.message}
          <div className="dialog-actions">
            <button type="button" onClick={() => this.setState({ error: undefined })}>
              Try again
            </button>
          </div>
        </div>
      </div>
    );
  }
}
