// Imported first by every bench entry point: @livekit/rtc-node logs at debug level to stdout unless
// NODE_ENV=production (decided when it is first imported), which would drown the result tables.
process.env.NODE_ENV ??= 'production';
