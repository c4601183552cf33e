/**
 * The last picture of a connection the gateway closed only to move this view onto a shared console (4020). noVNC
 * takes its screen out of the page when its socket closes; put back over the new connection's screen until that one
 * has painted, it makes the move invisible.
 */
export class HeldPicture {
  private element: Element | undefined;

  get active(): boolean {
    return this.element !== undefined;
  }

  hold(target: Element, screen: Element): void {
    this.drop();
    screen.classList.add('console-held');
    screen.setAttribute('aria-hidden', 'true');
    target.append(screen);
    this.element = screen;
  }

  /** The new connection has drawn: drop the picture once the browser has painted that. */
  dropAfterPaint(): void {
    const element = this.element;
    if (!element) return;
    requestAnimationFrame(() =>
      requestAnimationFrame(() => {
        if (this.element === element) this.drop();
      }),
    );
  }

  drop(): void {
    this.element?.remove();
    this.element = undefined;
  }
}
