// @lkbrowser/cli: the command-line helper of the runtime, the test server, the demo and the benchmarks.
export { CliError, type OptionKind, type OptionSpec, type ParsedOptions, parseOptions, usage } from './options.ts';
