/**
 * Pinch to zoom and drag to pan on a touch screen, alongside noVNC's own gestures. noVNC's gesture handler turns
 * touches into `gesturestart`/`gesturemove`/`gestureend` events on its canvas and maps them to the guest's pointer:
 * tap = left click, two-finger tap or long-press = right click, one-finger drag = left drag, two-finger drag = wheel,
 * and pinch = Ctrl+wheel in the guest. This view takes, before noVNC sees them (capture phase, on the console's
 * element): every pinch, which zooms the picture here instead, and a one-finger drag while there is something to pan
 * to (zoomed in, or a 1:1 picture larger than the screen). Everything else stays noVNC's.
 *
 * Zooming enlarges the element noVNC scales its picture to (scale-to-fit), inside the stage that clips it; panning
 * scrolls the stage, or noVNC's own scrolling screen at 1:1. noVNC maps pointer positions through the canvas's
 * bounding box, so clicks land where they are shown at any zoom.
 */

interface GestureDetail {
  readonly type: 'onetap' | 'twotap' | 'threetap' | 'drag' | 'longpress' | 'twodrag' | 'pinch';
  readonly clientX: number;
  readonly clientY: number;
  readonly magnitudeX: number;
  readonly magnitudeY: number;
}

export const ZOOM = { min: 1, max: 6 } as const;

/** The scroll offset that keeps the picture point under `focus` (viewport coordinates) in place as zoom changes. */
export function scrollForZoom(scroll: number, focus: number, from: number, to: number): number {
  return (scroll + focus) * (to / from) - focus;
}

const GESTURES = ['gesturestart', 'gesturemove', 'gestureend'] as const;

export class TouchView {
  private zoom = 1;
  private pinch: { distance: number; zoom: number } | undefined;
  private pan: { x: number; y: number; scroller: HTMLElement } | undefined;

  /** `fit()` says whether the picture is scaled to fit (zoom applies) or shown 1:1 (pan only). */
  constructor(
    private readonly screen: HTMLElement,
    private readonly fit: () => boolean,
  ) {
    for (const type of GESTURES) screen.addEventListener(type, this.onGesture, true);
  }

  dispose(): void {
    for (const type of GESTURES) this.screen.removeEventListener(type, this.onGesture, true);
    this.setZoom(1);
  }

  get level(): number {
    return this.zoom;
  }

  /** Back to the whole picture (the 1:1 switch, a new connection). */
  reset(): void {
    this.setZoom(1);
  }

  private get stage(): HTMLElement {
    return this.screen.parentElement ?? this.screen;
  }

  private readonly onGesture = (event: Event): void => {
    const detail = (event as CustomEvent<GestureDetail>).detail;
    if (detail.type === 'pinch') {
      event.stopPropagation();
      this.onPinch(event.type, detail);
    } else if (detail.type === 'drag') {
      if (event.type === 'gesturestart') {
        const scroller = this.scroller(event.target);
        this.pan = scroller ? { x: detail.clientX, y: detail.clientY, scroller } : undefined;
      }
      if (!this.pan) return;
      event.stopPropagation();
      this.pan.scroller.scrollBy(this.pan.x - detail.clientX, this.pan.y - detail.clientY);
      this.pan = event.type === 'gestureend' ? undefined : { ...this.pan, x: detail.clientX, y: detail.clientY };
    }
  };

  private onPinch(type: string, detail: GestureDetail): void {
    const distance = Math.hypot(detail.magnitudeX, detail.magnitudeY);
    if (type === 'gesturestart') this.pinch = { distance: Math.max(distance, 1), zoom: this.zoom };
    else if (type === 'gestureend') this.pinch = undefined;
    else if (this.pinch && this.fit()) {
      const stage = this.stage.getBoundingClientRect();
      this.setZoom(this.pinch.zoom * (distance / this.pinch.distance), {
        x: detail.clientX - stage.left,
        y: detail.clientY - stage.top,
      });
    }
  }

  /** What a drag should scroll: the zoomed stage, or noVNC's screen holding a 1:1 picture larger than itself. */
  private scroller(target: EventTarget | null): HTMLElement | undefined {
    const novncScreen = target instanceof HTMLElement ? target.parentElement : null;
    for (const element of [novncScreen, this.stage]) {
      if (element && (element.scrollWidth > element.clientWidth || element.scrollHeight > element.clientHeight))
        return element;
    }
    return undefined;
  }

  private setZoom(next: number, focus = { x: 0, y: 0 }): void {
    const zoom = Math.min(ZOOM.max, Math.max(ZOOM.min, next));
    const from = this.zoom;
    this.zoom = zoom;
    const stage = this.stage;
    const style = this.screen.style;
    stage.classList.toggle('zoomed', zoom > 1);
    if (zoom === 1) {
      style.removeProperty('width');
      style.removeProperty('height');
      stage.scrollTo(0, 0);
      return;
    }
    style.width = `${zoom * 100}%`;
    style.height = `${zoom * 100}%`;
    stage.scrollTo(
      scrollForZoom(stage.scrollLeft, focus.x, from, zoom),
      scrollForZoom(stage.scrollTop, focus.y, from, zoom),
    );
  }
}
