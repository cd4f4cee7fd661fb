// The BrowserSession resource as the kube client addresses it (identity generated from the CRD in types.ts).
import type { ResourceRef } from '../framework/kube-client.ts';
import { GROUP, KIND, PLURAL, VERSION } from './types.ts';

export const SESSIONS: ResourceRef = { group: GROUP, version: VERSION, plural: PLURAL, kind: KIND };
