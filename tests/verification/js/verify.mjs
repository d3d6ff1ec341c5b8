// An independent check of a Testamur credential with Digital Bazaar's Data Integrity stack.
// Reads {"credential": …, "documents": {url: document}} on stdin; the documents are the only
// things the loader serves (contexts, issuer, key, status list): nothing is fetched.
// Prints {"verified": bool, "errors": […], "revoked": bool|null}.
import * as vc from '@digitalbazaar/vc';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022CryptoSuite} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const {credential, documents} = JSON.parse(Buffer.concat(chunks).toString('utf8'));

const documentLoader = async url => {
  if(url in documents) {
    return {contextUrl: null, documentUrl: url, document: documents[url]};
  }
  throw new Error(`Refused to load ${url}`);
};

const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022CryptoSuite});
let result;
try {
  result = await vc.verifyCredential({credential, suite, documentLoader, checkStatus});
} catch(e) {
  result = {verified: false, error: e};
}
const errors = [];
const collect = e => {
  if(!e) return;
  errors.push(e.message || String(e));
  (e.errors || []).forEach(collect);
};
collect(result.error);
(result.results || []).forEach(r => collect(r.error));
const status = result.statusResult;
process.stdout.write(JSON.stringify({
  verified: result.verified === true,
  errors,
  // "verified" covers the proof and that the status could be checked; the bit is separate.
  revoked: status && status.verified ?
    (status.results || []).some(r => r.status === true) : null
}) + '\n');
