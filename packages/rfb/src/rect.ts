/** Axis-aligned rectangle in framebuffer pixels. */
export interface Rect {
  x: number;
  y: number;
  w: number;
  h: number;
}

export function area(r: Rect): number {
  return r.w * r.h;
}

export function isEmpty(r: Rect): boolean {
  return r.w <= 0 || r.h <= 0;
}

export function intersect(a: Rect, b: Rect): Rect | null {
  const x = Math.max(a.x, b.x);
  const y = Math.max(a.y, b.y);
  const w = Math.min(a.x + a.w, b.x + b.w) - x;
  const h = Math.min(a.y + a.h, b.y + b.h) - y;
  return w > 0 && h > 0 ? { x, y, w, h } : null;
}

export function union(a: Rect, b: Rect): Rect {
  const x = Math.min(a.x, b.x);
  const y = Math.min(a.y, b.y);
  return { x, y, w: Math.max(a.x + a.w, b.x + b.w) - x, h: Math.max(a.y + a.h, b.y + b.h) - y };
}

export function contains(outer: Rect, inner: Rect): boolean {
  return (
    inner.x >= outer.x &&
    inner.y >= outer.y &&
    inner.x + inner.w <= outer.x + outer.w &&
    inner.y + inner.h <= outer.y + outer.h
  );
}

/** The parts of `a` outside `b`: at most four rectangles (above, below, left, right). */
export function subtract(a: Rect, b: Rect): Rect[] {
  const i = intersect(a, b);
  if (!i) return [a];
  const parts: Rect[] = [
    { x: a.x, y: a.y, w: a.w, h: i.y - a.y },
    { x: a.x, y: i.y + i.h, w: a.w, h: a.y + a.h - (i.y + i.h) },
    { x: a.x, y: i.y, w: i.x - a.x, h: i.h },
    { x: i.x + i.w, y: i.y, w: a.x + a.w - (i.x + i.w), h: i.h },
  ];
  return parts.filter((r) => !isEmpty(r));
}
