// The AWS SDK for JavaScript v3 against a DynamoDB endpoint, as an application would use it.
//
//   node js_sdk_client.cjs <endpoint url> <table name>
//
// Only the endpoint, dummy credentials and a region are configured.  Prints one JSON object of
// what came back (values, error names and fields), which tests/endpoint/test_js_sdk.py checks.
// Needs @aws-sdk/client-dynamodb and @aws-sdk/lib-dynamodb on NODE_PATH.
"use strict";

const ddb = require("@aws-sdk/client-dynamodb");
const lib = require("@aws-sdk/lib-dynamodb");

const [endpoint, table] = process.argv.slice(2);
const client = new ddb.DynamoDBClient({
  endpoint,
  region: "us-east-1",
  credentials: { accessKeyId: "dummy", secretAccessKey: "dummy" },
  maxAttempts: 1, // a refusal must show up as it is, not as a retry
});
const doc = lib.DynamoDBDocumentClient.from(client, {
  marshallOptions: { removeUndefinedValues: true },
  unmarshallOptions: { wrapNumbers: true },
});

// JSON has no sets, binaries or exact big numbers: spell them out so Python sees what the SDK saw.
function plain(value) {
  if (value instanceof Set) return { set: [...value].map(plain).sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1)) };
  if (value instanceof Uint8Array) return { bytes: [...value] };
  if (value instanceof lib.NumberValue) return { number: value.toString() };
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, plain(value[k])]));
  }
  return value;
}

async function refusal(promise) {
  try {
    await promise;
    return null;
  } catch (e) {
    return {
      name: e.name,
      isServiceException: e instanceof ddb.DynamoDBServiceException,
      status: e.$metadata && e.$metadata.httpStatusCode,
      requestId: Boolean(e.$metadata && e.$metadata.requestId),
      message: e.message,
      item: e.Item === undefined ? undefined : plain(e.Item),
      reasons: e.CancellationReasons === undefined ? undefined : plain(e.CancellationReasons),
      e,
    };
  }
}

function withoutError(r) {
  if (r === null) return r;
  const { e, ...rest } = r;
  return rest;
}

async function main() {
  const out = {};

  // --- CreateTable with a global index, then the waiter
  const created = await client.send(new ddb.CreateTableCommand({
    TableName: table,
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
    AttributeDefinitions: [
      { AttributeName: "pk", AttributeType: "S" },
      { AttributeName: "sk", AttributeType: "N" },
      { AttributeName: "g", AttributeType: "S" },
    ],
    GlobalSecondaryIndexes: [{
      IndexName: "by-g",
      KeySchema: [{ AttributeName: "g", KeyType: "HASH" }, { AttributeName: "sk", KeyType: "RANGE" }],
      Projection: { ProjectionType: "INCLUDE", NonKeyAttributes: ["label"] },
    }],
    BillingMode: "PAY_PER_REQUEST",
  }));
  out.createdStatus = created.TableDescription.TableStatus;
  const waited = await ddb.waitUntilTableExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 2 }, { TableName: table });
  out.waiterState = waited.state;
  const described = (await client.send(new ddb.DescribeTableCommand({ TableName: table }))).Table;
  out.described = {
    status: described.TableStatus,
    keySchema: described.KeySchema,
    billing: described.BillingModeSummary && described.BillingModeSummary.BillingMode,
    indexes: described.GlobalSecondaryIndexes.map((i) => ({ name: i.IndexName, status: i.IndexStatus, projection: i.Projection })),
    arnEndsWithName: described.TableArn.endsWith(`:table/${table}`),
    creationIsDate: described.CreationDateTime instanceof Date && !Number.isNaN(described.CreationDateTime.getTime()),
  };
  const pageSizes = [];
  let listed = false;
  for await (const page of ddb.paginateListTables({ client, pageSize: 2 }, {})) {
    pageSizes.push(page.TableNames.length);
    listed = listed || page.TableNames.includes(table);
  }
  out.listTables = { listed, largestPage: Math.max(...pageSizes), pages: pageSizes.length };
  await client.send(new ddb.UpdateTimeToLiveCommand({
    TableName: table, TimeToLiveSpecification: { Enabled: true, AttributeName: "expires" },
  }));
  out.ttl = (await client.send(new ddb.DescribeTimeToLiveCommand({ TableName: table }))).TimeToLiveDescription;
  await client.send(new ddb.TagResourceCommand({ ResourceArn: described.TableArn, Tags: [{ Key: "team", Value: "js" }] }));
  out.tags = (await client.send(new ddb.ListTagsOfResourceCommand({ ResourceArn: described.TableArn }))).Tags;

  // --- DocumentClient marshalling: numbers, sets, binary, nested maps and lists
  const item = {
    pk: "doc", sk: 1, g: "green", label: "first",
    whole: 42, fraction: 1.5, negative: -7, exact: lib.NumberValue.from("12345678901234567890.123"),
    strings: new Set(["b", "a"]), numbers: new Set([3, 1, 2]),
    bytes: Uint8Array.from([0, 1, 2, 250, 255]), byteSets: new Set([Uint8Array.from([1]), Uint8Array.from([2, 3])]),
    nested: { list: [1, "two", null, true, { deep: [false] }], map: { "with space": "x", empty: "" } },
    nothing: null, yes: true, gone: undefined,
  };
  await doc.send(new lib.PutCommand({ TableName: table, Item: item }));
  const got = await doc.send(new lib.GetCommand({ TableName: table, Key: { pk: "doc", sk: 1 }, ConsistentRead: true }));
  out.documentItem = plain(got.Item);
  const raw = await client.send(new ddb.GetItemCommand({
    TableName: table, Key: { pk: { S: "doc" }, sk: { N: "1" } },
    ProjectionExpression: "#n.#l[4].deep, exact, #b", ExpressionAttributeNames: { "#n": "nested", "#l": "list", "#b": "bytes" },
  }));
  out.rawProjection = plain(raw.Item);

  // --- UpdateItem with expressions and ReturnValues
  const updatedNew = await doc.send(new lib.UpdateCommand({
    TableName: table, Key: { pk: "doc", sk: 1 },
    UpdateExpression: "SET #c = if_not_exists(#c, :zero) + :one, nested.#l = list_append(nested.#l, :more) "
      + "ADD numbers :four REMOVE fraction DELETE strings :a",
    ConditionExpression: "attribute_exists(pk) AND #i = :int",
    ExpressionAttributeNames: { "#c": "count", "#i": "whole", "#l": "list" },
    ExpressionAttributeValues: { ":zero": 0, ":one": 1, ":more": ["more"], ":four": new Set([4]), ":a": new Set(["a"]), ":int": 42 },
    ReturnValues: "UPDATED_NEW",
  }));
  out.updatedNew = plain(updatedNew.Attributes);
  const updatedOld = await doc.send(new lib.UpdateCommand({
    TableName: table, Key: { pk: "doc", sk: 1 },
    UpdateExpression: "SET #c = #c + :one", ExpressionAttributeNames: { "#c": "count" },
    ExpressionAttributeValues: { ":one": 1 }, ReturnValues: "UPDATED_OLD",
  }));
  out.updatedOld = plain(updatedOld.Attributes);
  const allOld = await doc.send(new lib.PutCommand({
    TableName: table, Item: { pk: "doc", sk: 2, g: "green", label: "second" }, ReturnValues: "ALL_OLD",
  }));
  out.putNewAllOld = allOld.Attributes === undefined ? null : plain(allOld.Attributes);

  // --- ConditionalCheckFailedException, with the item as it was
  const ccf = await refusal(doc.send(new lib.PutCommand({
    TableName: table, Item: { pk: "doc", sk: 2 }, ConditionExpression: "attribute_not_exists(pk)",
    ReturnValuesOnConditionCheckFailure: "ALL_OLD",
  })));
  out.conditionFailed = { ...withoutError(ccf), isClass: ccf.e instanceof ddb.ConditionalCheckFailedException };

  // --- BatchWrite (two calls: 25 per request) and BatchGet
  const rows = [];
  for (let i = 0; i < 40; i++) rows.push({ pk: "batch", sk: i, g: i % 2 ? "odd" : "even", label: `row ${i}`, filler: "x".repeat(200) });
  const unprocessed = [];
  for (let i = 0; i < rows.length; i += 25) {
    const r = await doc.send(new lib.BatchWriteCommand({
      RequestItems: { [table]: rows.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) },
    }));
    unprocessed.push(Object.keys(r.UnprocessedItems || {}).length);
  }
  out.batchWriteUnprocessed = unprocessed;
  const batchGot = await doc.send(new lib.BatchGetCommand({
    RequestItems: { [table]: { Keys: [3, 5, 39, 99].map((sk) => ({ pk: "batch", sk })), ProjectionExpression: "sk, label" } },
  }));
  out.batchGet = plain(batchGot.Responses[table]).sort((a, b) => Number(a.sk.number) - Number(b.sk.number));
  out.batchGetUnprocessed = Object.keys(batchGot.UnprocessedKeys || {}).length;

  // --- Query: paginated, reversed, on the index, COUNT
  const pages = [];
  for await (const page of lib.paginateQuery({ client: doc, pageSize: 7 }, {
    TableName: table, KeyConditionExpression: "pk = :p AND sk BETWEEN :lo AND :hi",
    FilterExpression: "g = :even", ExpressionAttributeValues: { ":p": "batch", ":lo": 5, ":hi": 30, ":even": "even" },
    ScanIndexForward: false,
  })) {
    pages.push({ count: page.Count, scanned: page.ScannedCount, sks: page.Items.map((i) => Number(i.sk.toString())), more: Boolean(page.LastEvaluatedKey) });
  }
  out.queryPages = pages;
  const byIndex = await doc.send(new lib.QueryCommand({
    TableName: table, IndexName: "by-g", KeyConditionExpression: "g = :g AND sk < :five",
    ExpressionAttributeValues: { ":g": "odd", ":five": 5 },
  }));
  out.indexItems = plain(byIndex.Items);
  const counted = await client.send(new ddb.QueryCommand({
    TableName: table, KeyConditionExpression: "pk = :p", FilterExpression: "begins_with(#l, :prefix)", Select: "COUNT",
    ExpressionAttributeNames: { "#l": "label" }, ExpressionAttributeValues: { ":p": { S: "batch" }, ":prefix": { S: "row 1" } },
  }));
  out.queryCount = { count: counted.Count, scanned: counted.ScannedCount, items: counted.Items === undefined };

  // --- Scan: paginated with a filter, and parallel segments
  let scanned = 0;
  let scanPages = 0;
  const labels = [];
  for await (const page of lib.paginateScan({ client: doc, pageSize: 9 }, {
    TableName: table, FilterExpression: "contains(label, :one)", ExpressionAttributeValues: { ":one": "1" },
    ProjectionExpression: "label",
  })) {
    scanPages += 1;
    scanned += page.ScannedCount;
    labels.push(...page.Items.map((i) => i.label));
  }
  out.scan = { pages: scanPages, scanned, labels: labels.sort() };
  const segments = [];
  for (let segment = 0; segment < 3; segment++) {
    const r = await doc.send(new lib.ScanCommand({ TableName: table, Segment: segment, TotalSegments: 3 }));
    segments.push(r.Items.map((i) => `${i.pk}/${i.sk}`));
  }
  out.segmentSizes = segments.map((s) => s.length);
  out.segmentKeys = segments.flat().sort();

  // --- TransactWrite: a failing condition cancels everything, with reasons per action
  const cancelled = await refusal(doc.send(new lib.TransactWriteCommand({
    TransactItems: [
      { Put: { TableName: table, Item: { pk: "tx", sk: 1, label: "never" } } },
      { Update: { TableName: table, Key: { pk: "doc", sk: 2 }, UpdateExpression: "SET label = :l",
                  ConditionExpression: "label = :other", ExpressionAttributeValues: { ":l": "changed", ":other": "nope" },
                  ReturnValuesOnConditionCheckFailure: "ALL_OLD" } },
      { ConditionCheck: { TableName: table, Key: { pk: "batch", sk: 0 }, ConditionExpression: "attribute_exists(pk)" } },
    ],
  })));
  out.transactionCancelled = { ...withoutError(cancelled), isClass: cancelled.e instanceof ddb.TransactionCanceledException };
  const afterCancel = await doc.send(new lib.GetCommand({ TableName: table, Key: { pk: "tx", sk: 1 } }));
  out.cancelledPutVisible = afterCancel.Item !== undefined;
  await doc.send(new lib.TransactWriteCommand({
    ClientRequestToken: "js-sdk-token-1",
    TransactItems: [
      { Put: { TableName: table, Item: { pk: "tx", sk: 1, label: "written" }, ConditionExpression: "attribute_not_exists(pk)" } },
      { Update: { TableName: table, Key: { pk: "doc", sk: 2 }, UpdateExpression: "SET label = :l", ExpressionAttributeValues: { ":l": "changed" } } },
      { Delete: { TableName: table, Key: { pk: "batch", sk: 0 } } },
    ],
  }));
  const txGot = await doc.send(new lib.TransactGetCommand({
    TransactItems: [
      { Get: { TableName: table, Key: { pk: "tx", sk: 1 } } },
      { Get: { TableName: table, Key: { pk: "doc", sk: 2 }, ProjectionExpression: "label" } },
      { Get: { TableName: table, Key: { pk: "batch", sk: 0 } } },
    ],
  }));
  out.transactGet = txGot.Responses.map((r) => (r.Item === undefined ? null : plain(r.Item)));

  // --- DeleteItem with ReturnValues, then errors on what is gone
  const deleted = await doc.send(new lib.DeleteCommand({ TableName: table, Key: { pk: "tx", sk: 1 }, ReturnValues: "ALL_OLD" }));
  out.deletedOld = plain(deleted.Attributes);
  out.validation = withoutError(await refusal(doc.send(new lib.GetCommand({ TableName: table, Key: { pk: "tx" } }))));

  // --- 100 requests at once: the SDK opens up to 50 keep-alive connections
  const failures = {};
  const settled = async (requests) => (await Promise.allSettled(requests)).map((r) => {
    if (r.status === "rejected") failures[`${r.reason.name}: ${r.reason.message}`] = (failures[`${r.reason.name}: ${r.reason.message}`] || 0) + 1;
    return r.value;
  });
  await settled(Array.from({ length: 100 }, (_, i) => doc.send(new lib.PutCommand({ TableName: table, Item: { pk: "burst", sk: i, label: `b${i}` } }))));
  const burst = await settled(Array.from({ length: 100 }, (_, i) => doc.send(new lib.GetCommand({ TableName: table, Key: { pk: "burst", sk: i } }))));
  out.burst = { failures, labelsRight: burst.filter((r, i) => r && r.Item && r.Item.label === `b${i}`).length };

  // --- DeleteTable and its waiter
  const dropped = await client.send(new ddb.DeleteTableCommand({ TableName: table }));
  out.deletedTableName = dropped.TableDescription.TableName;
  const gone = await ddb.waitUntilTableNotExists({ client, maxWaitTime: 30, minDelay: 1, maxDelay: 2 }, { TableName: table });
  out.notExistsWaiterState = gone.state;
  const missing = await refusal(client.send(new ddb.DescribeTableCommand({ TableName: table })));
  out.missingTable = { ...withoutError(missing), isClass: missing.e instanceof ddb.ResourceNotFoundException };

  process.stdout.write(JSON.stringify(out));
}

main().catch((e) => {
  process.stderr.write(`${e.name}: ${e.message}\n${e.stack}\n`);
  process.exit(1);
});
