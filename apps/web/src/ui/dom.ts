import { useEffect } from 'react';

/** Whether a key event belongs to something the user types into (or to the console): page shortcuts stay out. */
export function isTypingTarget(target: EventTarget | null): boolean {
  return (
    target instanceof Element &&
    target.closest('input, textarea, select, [contenteditable="true"], .console-screen') !== null
  );
}

/** Sets the document's title while the component is shown; undefined leaves it alone. */
export function useDocumentTitle(title: string | undefined): void {
  useEffect(() => {
    if (title === undefined) return;
    const previous = document.title;
    document.title = title;
    return () => {
      document.title = previous;
    };
  }, [title]);
}
