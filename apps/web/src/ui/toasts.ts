import { Store } from '../store/store.ts';

/** Short notices for completed (or failed) actions, announced to screen readers by the toast host. */

export interface Toast {
  readonly id: number;
  readonly kind: 'success' | 'error' | 'info';
  readonly text: string;
}

export const toasts = new Store<readonly Toast[]>([]);
let next = 1;

export function toast(kind: Toast['kind'], text: string, timeoutMs = kind === 'error' ? 8_000 : 4_000): void {
  const id = next++;
  toasts.set((list) => [...list.slice(-4), { id, kind, text }]);
  setTimeout(() => dismissToast(id), timeoutMs);
}

export function dismissToast(id: number): void {
  toasts.set((list) => list.filter((t) => t.id !== id));
}
