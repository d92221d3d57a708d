import type { DataConverter, PayloadCodec } from '@temporalio/common';

/**
 * What client and worker encode payloads with: the codec (when encryption is on) and failures with encoded messages.
 * Without a codec, Temporal's defaults.
 */
export function dataConverterFor(codec: PayloadCodec | undefined): DataConverter | undefined {
  if (!codec) return undefined;
  return { payloadCodecs: [codec], failureConverterPath: FAILURE_CONVERTER_PATH };
}

/** The failure converter's module, for `bundleWorkflowCode({ failureConverterPath })` in tests. */
export const FAILURE_CONVERTER_PATH = require.resolve('./failure-converter');
