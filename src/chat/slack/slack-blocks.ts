/**
 * Block Kit building blocks that keep every message within Slack's limits: lines packed into
 * sections of at most 3,000 characters, texts clipped to what each element takes, and a message
 * that always carries its plain-text fallback (notifications, screen readers, old clients).
 */
import type { KnownBlock } from "@slack/types";

export const SECTION_TEXT_MAX = 3000;
/** Blocks per message (a view takes 100; qoem's messages stay within 50). */
export const MESSAGE_BLOCKS_MAX = 50;
export const MESSAGE_TEXT_MAX = 40_000;

/** At most `max` characters (code points), with an ellipsis when cut. */
export function clip(text: string, max: number): string {
  const chars = [...text];
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

/**
 * Lines as mrkdwn sections of at most 3,000 characters each and at most `maxSections` sections; a
 * line that does not fit is clipped, and lines past the last section are counted in a final line.
 */
export function lineSections(lines: string[], maxSections: number): KnownBlock[] {
  const texts: string[] = [];
  let current = "";
  let used = 0;
  for (const raw of lines) {
    const line = clip(raw, SECTION_TEXT_MAX - 40);
    if (current && current.length + 1 + line.length > SECTION_TEXT_MAX - 40) {
      if (texts.length + 1 >= maxSections) break;
      texts.push(current);
      current = "";
    }
    current = current ? `${current}\n${line}` : line;
    used++;
  }
  if (used < lines.length) current += `\n… and ${lines.length - used} more`;
  if (current) texts.push(current);
  return texts.map((text) => ({ type: "section", text: { type: "mrkdwn", text } }));
}

/** A message: its fallback text (clipped to Slack's 40,000) and its blocks (at most 50). */
export function message(text: string, blocks: KnownBlock[]): { text: string; blocks: KnownBlock[] } {
  return { text: clip(text, MESSAGE_TEXT_MAX - 100), blocks: blocks.slice(0, MESSAGE_BLOCKS_MAX) };
}

/** A button that runs a read-only command (the action handler re-parses and re-authorises it). */
export function commandButton(label: string, command: string, actionId: string) {
  return { type: "button" as const, action_id: actionId, text: { type: "plain_text" as const, text: clip(label, 75) }, value: clip(command, 2000) };
}

/** A context line (small grey text). */
export const contextLine = (text: string): KnownBlock => ({ type: "context", elements: [{ type: "mrkdwn", text: clip(text, SECTION_TEXT_MAX) }] });
