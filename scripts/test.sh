#!/usr/bin/env bash
# The test command (`npm test`): the lint, the type check and the build, then the unit tests, then the end-to-end suite.
# Node 20's test runner does not expand globs, so every test file is listed here, in this one place;
# a test file that exists but is not listed fails the run instead of being silently left out.
set -euo pipefail
cd "$(dirname "$0")/.."

unit_tests=(
  test/unit/container-cgroup-lines-name-the-container.test.ts
  test/unit/owners-come-from-the-policy-file-and-the-identity.test.ts
  test/unit/owners-stamp-creates-and-hide-foreign-containers.test.ts
  test/unit/owners-volumes-networks-and-names-keep-to-their-owner.test.ts
  test/unit/library-judge-keeps-each-end-user-to-its-own-containers.test.ts
  test/unit/owner-list-filters-read-as-moby-reads-them.test.ts
  test/unit/owners-keep-services-secrets-and-configs-to-their-owner.test.ts
  test/unit/redaction-covers-swarm-answers.test.ts
  test/unit/owner-event-stream-shows-only-the-owners-objects.test.ts
  test/unit/owner-df-shows-only-the-owners-objects-as-it-streams.test.ts
  test/unit/owner-filtered-answers-compose-with-redaction-on-the-forward-path.test.ts
  test/unit/owners-keep-images-to-their-owner.test.ts
  test/unit/container-selector-matches-compose-labels.test.ts
  test/unit/peer-pid-reused-is-not-taken-for-its-container.test.ts
  test/unit/audit-log-group-commit.test.ts
  test/unit/audit-log-survives-sigkill.test.ts
  test/unit/state-changes-forwarded-once-written-answered-once-synced.test.ts
  test/unit/create-refused-on-its-own-fields-asks-the-engine-nothing.test.ts
  test/unit/audit-log-unwritable.test.ts
  test/unit/audit-record-no-credentials.test.ts
  test/unit/live-view-feed-keeps-a-bounded-ring.test.ts
  test/unit/live-view-drops-event-streams-that-fall-behind.test.ts
  test/unit/live-view-counts-requests-per-client.test.ts
  test/unit/live-view-refuses-other-origins-and-rebinding.test.ts
  test/unit/json-redactor-rewrites-only-targets-as-it-streams.test.ts
  test/unit/redaction-chosen-by-rule-and-recorded.test.ts
  test/unit/redacted-answers-reframed-and-cut-when-unreadable.test.ts
  test/unit/unix-peer-credentials.test.ts
  test/unit/heap-padding-taken-by-glibc.test.ts
  test/unit/streamed-bytes-collect-the-young-generation.test.ts
  test/unit/request-target.test.ts
  test/unit/route-semantics.test.ts
  test/unit/route-table-covers-both-specs.test.ts
  test/unit/operation-tables-are-complete.test.ts
  test/unit/repeated-query-parameters.test.ts
  test/unit/read-only-profile-grants-only-known-reads.test.ts
  test/unit/listener-spec-parsing.test.ts
  test/unit/listener-preset-and-profile-options.test.ts
  test/unit/application-presets-replay-their-calls.test.ts
  test/unit/subject-alt-names-parsing.test.ts
  test/unit/subject-with-several-cns-identifies-no-one.test.ts
  test/unit/audit-log-starts-fresh-line-after-torn-one.test.ts
  test/unit/body-schemas-cover-both-specs.test.ts
  test/unit/body-types-follow-the-schemas.test.ts
  test/unit/canonical-body-round-trip.test.ts
  test/unit/create-judge-writes-only-its-own-copy.test.ts
  test/unit/strings-read-from-a-body-keep-only-themselves.test.ts
  test/unit/bodies-read-as-go-reads-them.test.ts
  test/unit/bodies-strict-refuses-what-needs-canonicalising.test.ts
  test/unit/reach-mounts-refuse-host-escapes.test.ts
  test/unit/reach-privileges-refused-in-every-spelling.test.ts
  test/unit/reach-namespaces-and-joined-containers.test.ts
  test/unit/reach-user-and-no-new-privileges.test.ts
  test/unit/reach-resources-ports-images-and-defaults.test.ts
  test/unit/reach-after-creation-operations.test.ts
  test/unit/reach-side-doors.test.ts
  test/unit/policy-file-errors-point-at-line-and-column.test.ts
  test/unit/policy-rule-selection-first-match-wins.test.ts
  test/unit/builtin-profiles-meaning-table.test.ts
  test/unit/library-judge-returns-canonical-body.test.ts
  test/unit/imports-flow-down-the-layers.test.ts
  test/unit/check-run-lines-read-as-the-docker-cli-reads-them.test.ts
  test/unit/check-report-text-json-sarif-and-exit-codes.test.ts
  test/unit/architecture-doc-names-what-exists.test.ts
  test/unit/policy-reload-keeps-old-on-broken-file.test.ts
  test/unit/policy-cli-check-and-explain.test.ts
  test/unit/policy-learn-rules.test.ts
  test/unit/policy-example-file-loads.test.ts
  test/unit/certs-init-issue-revoke.test.ts
  test/unit/certs-revocations-never-dropped.test.ts
  test/unit/audit-reads-modes-proc-config-and-versions.test.ts
  test/unit/audit-rootless-json-and-text.test.ts
  test/unit/audit-intended-versus-running.test.ts
  test/unit/network-allow-list-cidr-matching.test.ts
  test/unit/tcp-listener-options-parsing.test.ts
  test/unit/insecure-network-listener-spec-parsing.test.ts
  test/unit/audit-plain-gateway-listeners-declared.test.ts
  test/unit/socket-proxy-environment-read-as-haproxy-reads-it.test.ts
  test/unit/socket-proxy-variables-match-the-proxy-matrix.test.ts
  test/unit/connections-wait-until-serving.test.ts
  test/unit/revocation-list-checked-against-ca.test.ts
  test/unit/older-crl-never-replaces-the-one-in-force.test.ts
  test/unit/serials-read-in-one-form.test.ts
  test/unit/failed-handshakes-limited-per-address.test.ts
  test/unit/browser-request-guard.test.ts
  test/unit/connection-refusals-recorded-and-summed-up.test.ts
  test/unit/systemd-unit-verifies.test.ts
  test/unit/engine-response-framing-read-strictly.test.ts
  test/unit/engine-connections-reused-only-while-sound.test.ts
  test/unit/engine-answers-framed-strictly.test.ts
  test/unit/engine-upgrades-read-by-the-same-client.test.ts
  test/unit/rate-and-concurrency-accounting.test.ts
  test/unit/body-budget-accounting.test.ts
  test/unit/pre-judgement-decides-as-the-judgement.test.ts
  test/unit/audit-log-backlog-is-bounded.test.ts
  test/unit/upgrade-request-body-read-to-its-end.test.ts
  test/unit/engine-read-headers-judged-as-go-reads-them.test.ts
  test/unit/reach-restarts-and-references-the-engine-makes-later.test.ts
  test/unit/seccomp-profiles-judged-by-what-they-allow.test.ts
  test/unit/dockerfile-read-as-the-builder-reads-it.test.ts
  test/unit/build-context-read-as-the-engine-unpacks-it.test.ts
  test/unit/build-instructions-judged-in-every-reading.test.ts
  test/unit/apparmor-profiles-allowed-by-name.test.ts
  test/unit/top-arguments-judged-before-ps-runs-on-the-host.test.ts
  test/unit/inert-text-cannot-act-on-a-terminal.test.ts
  test/unit/audit-records-survive-line-splitters.test.ts
  test/unit/trusted-files-opened-as-meant.test.ts
  test/unit/audit-engine-answers-read-defensively.test.ts
  test/unit/audit-engine-calls-bounded.test.ts
  test/unit/audit-text-report-cannot-be-forged.test.ts
  test/unit/errors-doc-matches-catalogue.test.ts
  test/unit/cli-config-errors-one-line-bugs-with-stack.test.ts
  test/unit/admin-listen-url-is-loopback-or-unix-only.test.ts
  test/unit/admin-server-answers-health-ready-metrics-only.test.ts
  test/unit/metrics-text-has-every-family.test.ts
  test/unit/gateway-counts-into-its-admin-listener.test.ts
  test/unit/limits-and-refusals-counted-in-metrics.test.ts
  test/unit/compose-interpolation-and-env-files-as-compose-reads-them.test.ts
  test/unit/compose-files-merged-extended-and-profiled-as-compose-does.test.ts
  test/unit/compose-keys-mapped-to-create-bodies-and-located.test.ts
  test/unit/compose-specification-keys-read-as-current-compose-sends-them.test.ts
  test/unit/bench-targets-follow-the-issue.test.ts
)

# Each end-to-end file starts a private dockerd and the gateway; on 2 cores they run one file at a
# time. Each file bounds itself: a suite timeout for its tests, timeouts of their own for its hooks.
e2e_tests=(
  test/e2e/compose-requests-are-what-docker-compose-sends.test.ts
  test/e2e/containers-sharing-a-socket-told-apart-by-compose-service.test.ts
  test/e2e/cli-basics-match-direct-socket.test.ts
  test/e2e/read-only-reads-carry-no-secrets.test.ts
  test/e2e/redacted-list-of-5000-containers-stays-streamed.test.ts
  test/e2e/container-lifecycle-match-direct-socket.test.ts
  test/e2e/exec-and-attach-streams.test.ts
  test/e2e/gateway-and-library-judge-decide-alike.test.ts
  test/e2e/half-close-over-unix-and-tls.test.ts
  test/e2e/events-survive-idle.test.ts
  test/e2e/hijack-forms.test.ts
  test/e2e/swarm-services-through-gateway.test.ts
  test/e2e/large-transfers-stay-streamed.test.ts
  test/e2e/identity-recorded-for-unix-and-tls-peers.test.ts
  test/e2e/owners-two-unix-users-keep-to-their-own-containers.test.ts
  test/e2e/owners-volumes-networks-and-names-keep-to-their-owner.test.ts
  test/e2e/owners-matrix-two-certificates.test.ts
  test/e2e/owners-lists-and-prunes-show-only-own-objects.test.ts
  test/e2e/swarm-services-keep-to-their-owner-and-redact-secrets.test.ts
  test/e2e/owners-events-and-df-show-only-own-objects.test.ts
  test/e2e/owners-images-tags-and-labels.test.ts
  test/e2e/read-only-profile-refuses-writes-and-exports.test.ts
  test/e2e/audit-records-survive-sigkill-under-load.test.ts
  test/e2e/paths-read-like-the-engine.test.ts
  test/e2e/engine-unreachable-then-recovers.test.ts
  test/e2e/unix-listener-mode-owner-and-stale-socket.test.ts
  test/e2e/sigterm-lets-running-streams-finish.test.ts
  test/e2e/serve-refuses-bad-arguments.test.ts
  test/e2e/presets-judge-each-application-on-its-own-socket.test.ts
  test/e2e/json-bodies-read-like-the-engine.test.ts
  test/e2e/policy-file-warn-mode-and-reload.test.ts
  test/e2e/policy-learned-from-audit-allows-the-workload-and-refuses-the-rest.test.ts
  test/e2e/host-mounts-refused-on-real-engine.test.ts
  test/e2e/privileges-refused-on-real-engine.test.ts
  test/e2e/namespaces-refused-on-real-engine.test.ts
  test/e2e/after-creation-doors-refused.test.ts
  test/e2e/side-doors-refused.test.ts
  test/e2e/json-tricks-refused-through-gateway.test.ts
  test/e2e/benign-neighbours-pass-baseline.test.ts
  test/e2e/check-verdicts-match-the-gateway.test.ts
  test/e2e/policy-defaults-applied-and-recorded.test.ts
  test/e2e/certs-issued-client-runs-docker-over-tls.test.ts
  test/e2e/tls-handshake-refusals-recorded.test.ts
  test/e2e/revocations-only-move-forward.test.ts
  test/e2e/tls-several-cns-and-handshake-floods-refused.test.ts
  test/e2e/listener-network-allow-list.test.ts
  test/e2e/insecure-loopback-listener-refuses-browsers.test.ts
  test/e2e/compat-socket-proxy-environment-on-a-container-network.test.ts
  test/e2e/policy-grants-run-to-ci-group-only.test.ts
  test/e2e/audit-finds-insecure-engines.test.ts
  test/e2e/audit-passes-hardened-engine.test.ts
  test/e2e/differential-bodies-paths-queries.test.ts
  test/e2e/framing-attacks-refused-or-judged.test.ts
  test/e2e/engine-restart-during-streams-and-uploads.test.ts
  test/e2e/reload-under-load.test.ts
  test/e2e/audit-disk-full-refuses-writes.test.ts
  test/e2e/audit-outage-refuse-all-refuses-reads-until-recovery.test.ts
  test/e2e/repeated-sigkill-keeps-audit-complete.test.ts
  test/e2e/slowloris-does-not-stop-docker-ps.test.ts
  test/e2e/rate-and-concurrency-limits-answer-429.test.ts
  test/e2e/streams-exempt-from-idle-timeouts.test.ts
  test/e2e/privilege-drop-leaves-no-root-and-no-capabilities.test.ts
  test/e2e/slow-engine-does-not-trip-body-timeout.test.ts
  test/e2e/body-floods-stay-within-the-memory-budget.test.ts
  test/e2e/python-docker-sdk-matches-direct.test.ts
  test/e2e/ansible-community-docker-playbook.test.ts
  test/e2e/dockerode-sdk-matches-direct.test.ts
  test/e2e/bodies-strict-refuses-spellings-the-cli-never-sends.test.ts
  test/e2e/content-type-cannot-smuggle-a-form-body.test.ts
  test/e2e/references-forwarded-as-the-judged-id.test.ts
  test/e2e/restart-policies-cannot-remount-swapped-binds.test.ts
  test/e2e/seccomp-profile-judged-by-what-it-allows.test.ts
  test/e2e/build-context-instructions-judged-before-the-engine-fetches.test.ts
  test/e2e/updates-judged-on-the-state-they-leave.test.ts
  test/e2e/top-ps-arguments-cannot-print-environments.test.ts
  test/e2e/creates-come-from-the-image-judged.test.ts
  test/e2e/audit-shows-engine-and-container-text-inert.test.ts
  test/e2e/audit-bounded-against-hostile-engines.test.ts
  test/e2e/admin-listener-health-ready-metrics.test.ts
  test/e2e/live-view-shows-decisions-in-a-real-browser.test.ts
  test/e2e/container-image-and-compose-recipes-run-on-the-engine.test.ts
)

unlisted=$(comm -23 <(find test -name '*.test.ts' | sort) <(printf '%s\n' "${unit_tests[@]}" "${e2e_tests[@]}" | sort))
if [ -n "$unlisted" ]; then
  printf 'scripts/test.sh: test files that are not listed (add them to unit_tests or e2e_tests):\n%s\n' "$unlisted" >&2
  exit 1
fi

# The container image test builds FROM local stand-ins for the Node base images, whose root filesystems
# take a fresh machine minutes of debootstrap, mostly waiting on the Debian mirror: made in the background
# here, they overlap the lint, the build and the unit tests (the image test makes them itself if this fails).
stand_ins_log=$(mktemp)
node --import tsx scripts/make-base-image-stand-ins.ts >"$stand_ins_log" 2>&1 &
stand_ins=$!

# ESLint (type-aware rules) and Prettier's check, before the type check: src, test, bench and scripts.
npm run lint
npm run typecheck
# The end-to-end tests run the gateway as shipped, `node bin/dockgate.js serve` (bin/ loads dist/): build
# it from the sources being tested, so that a stale dist/ is never what passes. The test files themselves,
# and the unit tests, run from TypeScript through tsx.
npm run build

status=0
node --import tsx --test "${unit_tests[@]}" || status=1
# The stand-ins' root filesystems are done before any engine starts: the end-to-end files are timed.
if wait "$stand_ins"; then
  cat "$stand_ins_log"
else
  printf 'base image stand-ins were not made ahead (the image test will make them itself):\n' >&2
  cat "$stand_ins_log" >&2
fi
rm -f "$stand_ins_log"
# --test-force-exit: a file whose tests are done exits even if a stray handle would keep it alive.
node --import tsx --test --test-concurrency=1 --test-force-exit "${e2e_tests[@]}" || status=1
exit "$status"
