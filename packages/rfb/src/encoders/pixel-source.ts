/** A screen's pixels as encoders read them: RGBA bytes (alpha always 255), row-major, and the same memory as one 32-bit word per pixel. */
export interface PixelSource {
  readonly width: number;
  readonly bytes: Uint8Array;
  /** One word per pixel, for comparing whole pixels; its numeric value depends on the platform's byte order. */
  readonly words: Uint32Array;
}
