// dockgate as a library: the gateway's policy engine for services that start containers for their
// users. Load a policy (a YAML file or a built-in profile), judge a request exactly as the gateway
// would, and forward only the canonical body it returns.
//
//   import { loadPolicy, judge } from 'dockgate';
//   const policy = loadPolicy('/etc/dockgate/policy.yaml');
//   const result = await judge(policy, { method: 'POST', path: '/v1.41/containers/create', body, identity });
//   if (result.verdict === 'deny') throw new Error(result.message);

export { loadPolicy, parsePolicyText, type LoadPolicyOptions } from './policy/load-policy.js';
export { builtinPolicy, presetPolicy, BUILTIN_PROFILE_NAMES, type BuiltinOptions, type BuiltinProfileName } from './policy/builtin-policies.js';
export { PRESET_NAMES, type PresetName } from './judge/profiles/application-presets.js';
export { judge, NO_ENGINE, type JudgeRequest, type JudgeResult, type LibraryJudgeOptions } from './decide/library-judge.js';
export { watchPolicyFile, type PolicyWatcher, type WatchOptions } from './policy/watch-policy-file.js';
export { PolicyFileError, type PolicyProblem } from './policy/policy-file-error.js';
export { RulePolicy, type Evaluation, type TraceStep } from './policy/rule-policy.js';
export { socketProxyPolicy, COMPAT_RULE, type SocketProxyPolicyOptions } from './policy/socket-proxy-policy.js';
export { readSocketProxyEnvironment, type SocketProxyEnvironment, type SocketProxyFlavour } from './policy/socket-proxy-environment.js';
export type { PolicyRule } from './policy/policy-rule.js';
export type { IdentitySelector } from './policy/identity-selector.js';
export type { Policy, JudgeInput } from './judge/policy.js';
export type { Decision } from './judge/decision.js';
export type { ContainerConstraints, ContainerDefaults, BindRoot, ResourceLimit } from './judge/container-constraints.js';
export type { EngineLookup, ContainerFacts, VolumeFacts, ImageFacts, ExecFacts } from './judge/engine-lookup.js';
export type { NetworkFacts, ReachEngine } from './judge/reach/reach-context.js';
export type { Identity, UnixPeer, TlsPeer, TcpPeer } from './identify/identity.js';
export type { AppliedDefault } from './judge/decision.js';
export type { Redaction } from './judge/redaction.js';
