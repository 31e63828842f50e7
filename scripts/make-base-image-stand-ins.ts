// Makes the root filesystems of the Node base-image stand-ins that the container image test builds FROM
// (test/support/base-image-stand-in.ts), into the test cache, without an engine. scripts/test.sh starts it
// in the background so that a fresh machine's debootstrap overlaps the lint and the unit tests; the image
// test finds them cached, and makes them itself (failing loudly) when this did not.
import { makeBaseImageStandInRootfs } from '../test/support/base-image-stand-in.js';

const started = Date.now();
await makeBaseImageStandInRootfs('Dockerfile');
console.log(`base image stand-ins: root filesystems ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
