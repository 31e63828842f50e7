// @peculiar/x509, ready to use. Its dependency injection reads decorator metadata, so reflect-metadata
// must be loaded before it, and it signs through a WebCrypto provider: node's own. Every module of
// src/certs/ takes x509 from here, never from the package, so that this order holds whoever imports first.
import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export { x509 };
