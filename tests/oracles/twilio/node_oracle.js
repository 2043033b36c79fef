// Verdicts of Twilio's official Node helper library (npm `twilio`) on signature cases: the same
// input as python_oracle.py. Also reports the URLs the library signs over, so a test can tell a
// disagreement that comes from its WHATWG URL normalisation from any other.
const fs = require("fs");
const { validateRequest, validateRequestWithBody } = require("twilio/lib/webhooks/webhooks");
const version = require("twilio/package.json").version;

function params(pairs) {
  const out = {};
  for (const [name, value] of pairs || []) {
    if (!(name in out)) out[name] = value;
    else if (Array.isArray(out[name])) out[name].push(value);
    else out[name] = [out[name], value];
  }
  return out;
}

function urls(url) {
  try {
    const u = new URL(url);
    const withoutPort = new URL(u);
    withoutPort.port = "";
    return [withoutPort.toString(), u.toString()];
  } catch (error) {
    return [];
  }
}

const cases = JSON.parse(fs.readFileSync(0, "utf8"));
const verdicts = cases.map((c) => {
  try {
    return c.body !== null
      ? validateRequestWithBody(c.token, c.signature, c.url, c.body)
      : validateRequest(c.token, c.signature, c.url, params(c.params));
  } catch (error) {
    return "error: " + error.name + ": " + error.message;
  }
});
process.stdout.write(JSON.stringify({ version, verdicts, urls: cases.map((c) => urls(c.url)) }));
