/**
 * `internal_tls`: a file holding backend TLS material from the internal CA
 * (src/pki/internal-ca.ts): the host's certificate, its key, or the CA
 * certificate that clients trust. The material is made on the control node by
 * the resolve step (openssl, reused run after run); the file itself is managed
 * as `file` manages one, and the key is a secret: masked in every output.
 */
import { ensureCa, serverCertificate } from '../../pki/internal-ca.js';
import type { Secret } from '../../secrets.js';
import { type Args, oneOfOrUndefined, onlyKeys } from '../shared/args.js';
import { ATTRIBUTE_KEYS } from '../shared/attributes.js';
import { file, type FileCurrent, type FileDecision, type FileDesired } from '../file/index.js';
import { ArgError, type ResolveContext, type ResourceType } from '../types.js';

/** Which piece of the material a file holds. */
const PARTS = ['certificate', 'key', 'ca'] as const;

/** The PEM text resolve made; only resolve makes one, so a role cannot write the content itself. */
export class IssuedPem {
  constructor(readonly text: string | Secret) {}
}

/** Issues (or reuses) the material on the control node and puts the part asked for in place of `part`. */
function resolve(args: Args, control: ResolveContext): Args {
  onlyKeys(args, ['path', 'part', ...ATTRIBUTE_KEYS]);
  const { part: _part, ...rest } = args;
  const part = oneOfOrUndefined(args, 'part', PARTS);
  if (part === undefined) throw new ArgError('part', `'part' is required: one of ${PARTS.join(', ')}`);
  if (part === 'ca') return { ...rest, content: new IssuedPem(ensureCa(control.controlStateDir).certificate) };
  const issued = serverCertificate(control.controlStateDir, control.host.name, control.host.address);
  return { ...rest, content: new IssuedPem(part === 'key' ? issued.key : issued.certificate) };
}

function validate(args: Args): FileDesired {
  onlyKeys(args, ['path', 'content', ...ATTRIBUTE_KEYS]);
  const content = args.content;
  if (!(content instanceof IssuedPem)) throw new ArgError('part', "'part' was not resolved on the control node (the content is the internal CA's)");
  return file.validate({ ...args, content: content.text });
}

/** The `internal_tls` type: `file`'s probe, decision and apply around material resolve issued. */
export const internalTls: ResourceType<FileDesired, FileCurrent, FileDecision> = {
  ...file,
  name: 'internal_tls',
  resolve,
  validate,
  shellKeys: [],
};
