// @lkbrowser/protocol: the room protocol shared by the runtime (which serves it), the viewer and the client
// libraries. One definition of every name, payload type and limit.
export * from './client.ts';
export * from './names.ts';
export * from './payloads.ts';
export * from './browser-pin.ts';
export * from './cef-flags.ts';
