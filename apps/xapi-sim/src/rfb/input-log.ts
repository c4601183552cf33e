import type { InputEvent } from '../consoles/backend.ts';

/** Recording is for tests and idle monitors; a long-lived display keeps only the newest events. */
export const MAX_RECORDED_EVENTS = 50_000;

/** Every input event a display received, in order, plus listeners for new ones. */
export class InputLog {
  readonly events: InputEvent[] = [];
  private readonly listeners = new Set<(event: InputEvent) => void>();

  record(event: InputEvent): void {
    this.events.push(event);
    if (this.events.length > MAX_RECORDED_EVENTS) this.events.splice(0, this.events.length - MAX_RECORDED_EVENTS);
    for (const listener of this.listeners) {
      try {
        listener(event);
      } catch {
        // A failing observer must not break the console connection that delivered the event.
      }
    }
  }

  onInput(listener: (event: InputEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  clearListeners(): void {
    this.listeners.clear();
  }
}
