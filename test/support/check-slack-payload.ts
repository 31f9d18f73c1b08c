/**
 * Slack's published limits on what an app sends (Block Kit reference, chat.postMessage and views.*
 * docs), checked on every payload the fake Slack receives: a message or view over any of them is
 * what Slack refuses (`invalid_blocks`, `msg_too_long`) or silently truncates, so a test that makes
 * qoem send one fails. Returns what is wrong, one line each; empty when the payload is fine.
 */

export const slackLimits = {
  messageText: 40_000,
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3000,
  sectionFields: 10,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  actionId: 255,
  blockId: 255,
  options: 100,
  optionText: 75,
  optionValue: 150,
  viewTitle: 24,
  viewButton: 24,
  privateMetadata: 3000,
  inputLabel: 2000,
  placeholder: 150,
} as const;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const textOf = (t: unknown): string => (isObject(t) && typeof t.text === "string" ? t.text : typeof t === "string" ? t : "");

function checkText(problems: string[], where: string, t: unknown, max: number): void {
  const text = textOf(t);
  if ([...text].length > max) problems.push(`${where}: text of ${[...text].length} characters (at most ${max})`);
}

function checkElement(problems: string[], where: string, e: unknown): void {
  if (!isObject(e)) return;
  if (typeof e.action_id === "string" && e.action_id.length > slackLimits.actionId) problems.push(`${where}: action_id longer than ${slackLimits.actionId}`);
  if (e.type === "button") {
    checkText(problems, `${where} button`, e.text, slackLimits.buttonText);
    if (typeof e.value === "string" && e.value.length > slackLimits.buttonValue) problems.push(`${where}: button value of ${e.value.length} characters (at most ${slackLimits.buttonValue})`);
    if (typeof e.url === "string" && e.url.length > slackLimits.url) problems.push(`${where}: url longer than ${slackLimits.url}`);
  }
  if (isObject(e.placeholder)) checkText(problems, `${where} placeholder`, e.placeholder, slackLimits.placeholder);
  const options = [...(Array.isArray(e.options) ? e.options : []), ...(Array.isArray(e.option_groups) ? e.option_groups.flatMap((g) => (isObject(g) && Array.isArray(g.options) ? g.options : [])) : [])];
  if (options.length > slackLimits.options) problems.push(`${where}: ${options.length} options (at most ${slackLimits.options})`);
  for (const o of [...options, ...(Array.isArray(e.initial_options) ? e.initial_options : [])]) {
    if (!isObject(o)) continue;
    checkText(problems, `${where} option`, o.text, slackLimits.optionText);
    if (typeof o.value === "string" && o.value.length > slackLimits.optionValue) problems.push(`${where}: option value longer than ${slackLimits.optionValue}`);
  }
}

export function checkBlocks(blocks: unknown, maxBlocks: number, what: string): string[] {
  const problems: string[] = [];
  if (blocks === undefined) return problems;
  if (!Array.isArray(blocks)) return [`${what}: blocks is not an array`];
  if (blocks.length > maxBlocks) problems.push(`${what}: ${blocks.length} blocks (at most ${maxBlocks})`);
  blocks.forEach((b, i) => {
    const where = `${what} block ${i}`;
    if (!isObject(b)) return void problems.push(`${where}: not an object`);
    if (typeof b.block_id === "string" && b.block_id.length > slackLimits.blockId) problems.push(`${where}: block_id longer than ${slackLimits.blockId}`);
    switch (b.type) {
      case "section":
        if (b.text === undefined && b.fields === undefined) problems.push(`${where}: a section needs text or fields`);
        checkText(problems, where, b.text, slackLimits.sectionText);
        if (b.text !== undefined && textOf(b.text) === "") problems.push(`${where}: empty section text`);
        if (Array.isArray(b.fields)) {
          if (b.fields.length > slackLimits.sectionFields) problems.push(`${where}: ${b.fields.length} fields (at most ${slackLimits.sectionFields})`);
          b.fields.forEach((f) => checkText(problems, `${where} field`, f, slackLimits.fieldText));
        }
        checkElement(problems, where, b.accessory);
        break;
      case "header":
        checkText(problems, where, b.text, slackLimits.headerText);
        break;
      case "context":
        if (!Array.isArray(b.elements) || b.elements.length === 0) problems.push(`${where}: a context needs elements`);
        else {
          if (b.elements.length > slackLimits.contextElements) problems.push(`${where}: ${b.elements.length} elements (at most ${slackLimits.contextElements})`);
          b.elements.forEach((e) => checkText(problems, `${where} element`, e, slackLimits.sectionText));
        }
        break;
      case "actions":
        if (!Array.isArray(b.elements) || b.elements.length === 0) problems.push(`${where}: an actions block needs elements`);
        else {
          if (b.elements.length > slackLimits.actionsElements) problems.push(`${where}: ${b.elements.length} elements (at most ${slackLimits.actionsElements})`);
          b.elements.forEach((e) => checkElement(problems, where, e));
        }
        break;
      case "input":
        checkText(problems, `${where} label`, b.label, slackLimits.inputLabel);
        checkElement(problems, where, b.element);
        break;
      case "divider":
      case "image":
      case "rich_text":
        break;
      default:
        problems.push(`${where}: unknown block type ${String(b.type)}`);
    }
  });
  return problems;
}

function checkView(view: unknown, what: string): string[] {
  if (!isObject(view)) return [`${what}: no view`];
  const problems = checkBlocks(view.blocks, slackLimits.viewBlocks, what);
  if (view.type === "modal") {
    checkText(problems, `${what} title`, view.title, slackLimits.viewTitle);
    if (view.submit !== undefined) checkText(problems, `${what} submit`, view.submit, slackLimits.viewButton);
    if (view.close !== undefined) checkText(problems, `${what} close`, view.close, slackLimits.viewButton);
    if (!textOf(view.title)) problems.push(`${what}: a modal needs a title`);
  }
  if (typeof view.private_metadata === "string" && view.private_metadata.length > slackLimits.privateMetadata) problems.push(`${what}: private_metadata longer than ${slackLimits.privateMetadata}`);
  return problems;
}

/** What is wrong with one Web API call's body (or a response_url post), by method; [] for methods without Block Kit. */
export function checkSlackPayload(method: string, body: Record<string, unknown>): string[] {
  switch (method) {
    case "chat.postMessage":
    case "chat.update":
    case "chat.postEphemeral":
    case "response_url": {
      const problems = checkBlocks(body.blocks, slackLimits.messageBlocks, method);
      const attachments = Array.isArray(body.attachments) ? body.attachments : [];
      attachments.forEach((a, i) => problems.push(...checkBlocks(isObject(a) ? a.blocks : undefined, slackLimits.messageBlocks, `${method} attachment ${i}`)));
      const text = typeof body.text === "string" ? body.text : "";
      if (text.length > slackLimits.messageText) problems.push(`${method}: text of ${text.length} characters (at most ${slackLimits.messageText})`);
      if (!text && body.blocks === undefined && method !== "response_url") problems.push(`${method}: neither text nor blocks`);
      // Blocks without a text leave notifications and screen readers nothing: qoem always sends a fallback.
      if ((body.blocks !== undefined || attachments.length) && !text) problems.push(`${method}: blocks without a text fallback`);
      if (JSON.stringify(body).length > slackLimits.messageText * 4) problems.push(`${method}: payload too large`);
      return problems;
    }
    case "views.open":
    case "views.publish":
    case "views.update":
    case "views.push":
      return checkView(body.view, method);
    default:
      return [];
  }
}
