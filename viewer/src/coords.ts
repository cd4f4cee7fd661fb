// Pointer position on a scaled / letterboxed <video> (CSS `object-fit: contain`) → remote page pixels.
// Pure (no DOM): the caller passes the element box and the picture sizes.

export interface Size {
  width: number;
  height: number;
}

export interface PictureBox {
  /** left/top offset of the picture inside the element (letterbox bars), CSS px */
  left: number;
  top: number;
  /** displayed picture size, CSS px */
  width: number;
  height: number;
}

/** Where the picture of intrinsic size `video` is drawn inside an element of size `element` with object-fit: contain. */
export function containBox(element: Size, video: Size): PictureBox | null {
  if (!(element.width > 0 && element.height > 0 && video.width > 0 && video.height > 0)) return null;
  const scale = Math.min(element.width / video.width, element.height / video.height);
  const width = video.width * scale;
  const height = video.height * scale;
  return { left: (element.width - width) / 2, top: (element.height - height) / 2, width, height };
}

/**
 * Maps a point (offsetX/offsetY: CSS px relative to the element's top-left content corner) to page pixels.
 * `video` is the intrinsic video size (what is drawn, decides the letterbox), `page` the remote page size the
 * coordinates are expressed in (normally equal to the video size; differs when the encoder scaled the stream).
 * Points outside the picture (in the bars or outside the element) → null. Result: integers, 0 ≤ x < page.width.
 */
export function mapToPage(
  offsetX: number,
  offsetY: number,
  element: Size,
  video: Size,
  page: Size = video,
): { x: number; y: number } | null {
  if (!Number.isFinite(offsetX) || !Number.isFinite(offsetY)) return null;
  if (!(page.width > 0 && page.height > 0)) return null;
  const box = containBox(element, video);
  if (!box) return null;
  const rx = (offsetX - box.left) / box.width;
  const ry = (offsetY - box.top) / box.height;
  if (rx < 0 || ry < 0 || rx >= 1 || ry >= 1) return null;
  const x = Math.min(page.width - 1, Math.floor(rx * page.width));
  const y = Math.min(page.height - 1, Math.floor(ry * page.height));
  return { x, y };
}
