import type { Framebuffer } from '@xwc/rfb';

/** A display's picture as RGBA bytes (alpha 255), row-major: what a client that decoded every update shows. */
export interface Snapshot {
  width: number;
  height: number;
  rgba: Uint8Array;
}

export function snapshotOf(fb: Framebuffer): Snapshot {
  return { width: fb.width, height: fb.height, rgba: fb.rgba() };
}
