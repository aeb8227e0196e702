// The AWS SDK for JavaScript v3 signing for an endpoint that checks SigV4 (`dynastore endpoint --auth`).
//
//   node js_sdk_signed.cjs <endpoint url> <table name> <access key> <secret key>
//
// Prints {"tables": [...], "item": {...}} when the calls get through, {"error": name} when refused.
// The item's key has non-ASCII text and its body is over 4 KB: both go into what is signed.
"use strict";

const ddb = require("@aws-sdk/client-dynamodb");

const [endpoint, table, accessKeyId, secretAccessKey] = process.argv.slice(2);
const client = new ddb.DynamoDBClient({
  endpoint,
  region: "eu-west-1",
  credentials: { accessKeyId, secretAccessKey, sessionToken: "session-token" },
  maxAttempts: 1,
});

async function main() {
  await client.send(new ddb.CreateTableCommand({
    TableName: table, BillingMode: "PAY_PER_REQUEST",
    KeySchema: [{ AttributeName: "id", KeyType: "HASH" }], AttributeDefinitions: [{ AttributeName: "id", AttributeType: "S" }],
  }));
  const key = { id: { S: "grüße ✓" } };
  await client.send(new ddb.PutItemCommand({ TableName: table, Item: { ...key, body: { S: "x".repeat(5000) } } }));
  const got = await client.send(new ddb.GetItemCommand({ TableName: table, Key: key }));
  const tables = (await client.send(new ddb.ListTablesCommand({}))).TableNames;
  await client.send(new ddb.DeleteTableCommand({ TableName: table }));
  return { tables, item: { id: got.Item.id.S, bodyLength: got.Item.body.S.length } };
}

main().then(
  (out) => process.stdout.write(JSON.stringify(out)),
  (e) => process.stdout.write(JSON.stringify({ error: e.name, status: e.$metadata && e.$metadata.httpStatusCode })),
);
