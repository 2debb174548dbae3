// The renderers' second line of defence: whatever checked a value before, none that reaches a generated
// file may carry a newline or another control character, which could add lines to that file.

// eslint-disable-next-line no-control-regex -- control characters are what this looks for
const controlCharacter = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;

/** Throws if any string inside `value` (at any depth) holds a control character, naming where. */
export function refuseControlCharacters(renderer: string, value: unknown, at = "input"): void {
    if (typeof value === "string") {
        if (controlCharacter.test(value)) {
            throw new Error(`${renderer}: ${at} holds a newline or control character; refused, so that no line is added to the file`);
        }
    } else if (Array.isArray(value)) {
        value.forEach((v, i) => refuseControlCharacters(renderer, v, `${at}[${i}]`));
    } else if (value && typeof value === "object") {
        for (const [k, v] of Object.entries(value)) refuseControlCharacters(renderer, v, `${at}.${k}`);
    }
}
