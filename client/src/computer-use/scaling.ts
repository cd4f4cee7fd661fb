// Coordinates between the screenshot size a model sees and the page's viewport. Models are told a display size
// (Anthropic recommends ≤ 1280x800 / XGA; OpenAI takes what it is shown); screenshots are scaled to it by the
// runtime and the model's coordinates are scaled back. Pure.

export interface Size {
  width: number;
  height: number;
}

export interface Scaler {
  /** What the model is told and shown. */
  readonly model: Size;
  readonly viewport: Size;
  /** Screenshot scale to request (model / viewport, ≤ 1). */
  readonly scale: number;
  /** A model coordinate → page pixels, clamped into the viewport. */
  toPage(x: number, y: number): { x: number; y: number };
  /** Page pixels → model coordinates (cursor_position answers). */
  toModel(x: number, y: number): { x: number; y: number };
}

/** The largest size within max that keeps the viewport's aspect ratio, never larger than the viewport. */
export function fitModelSize(viewport: Size, max: Size = { width: 1280, height: 800 }): Size {
  const s = Math.min(1, max.width / viewport.width, max.height / viewport.height);
  return { width: Math.max(1, Math.round(viewport.width * s)), height: Math.max(1, Math.round(viewport.height * s)) };
}

export function createScaler(viewport: Size, model: Size = fitModelSize(viewport)): Scaler {
  const sx = viewport.width / model.width;
  const sy = viewport.height / model.height;
  const clamp = (v: number, hi: number): number => Math.min(hi - 1, Math.max(0, Math.round(v)));
  return {
    model,
    viewport,
    scale: Math.min(1, model.width / viewport.width),
    toPage: (x, y) => ({ x: clamp(x * sx, viewport.width), y: clamp(y * sy, viewport.height) }),
    toModel: (x, y) => ({ x: clamp(x / sx, model.width), y: clamp(y / sy, model.height) }),
  };
}
