// The browser-video track's bitrate ceiling. The network's bandwidth estimate still decides below it; the ceiling
// only matters where the path has room. 18 Mbps at 1080p (8 Mbps at 720p), scaled by pixel count, at least 1 Mbps:
// at the earlier 8 Mbps at 1080p (3.6 at 720p) VP8 dropped half the frames of a continuously scrolled text page to
// stay under it (bench/cpu-mem.ts scroll: 343 frames captured, 171 encoded, qualityLimitation none); at this one it
// encodes 97 % of them. The screencast peer of bench/ uses the same rule.
export function videoBitrate(width: number, height: number): number {
  return Math.max(1_000_000, Math.round((18_000_000 * width * height) / (1920 * 1080)));
}
