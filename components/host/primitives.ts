import * as pulumi from "@pulumi/pulumi";
import { remote } from "@pulumi/command";
import { managedHeader, secretsUsed } from "../common/managed";
import { RtcConfigError } from "../common/validation";
import { ServiceCertificate } from "../common/tls";
import { recordFile, recordService } from "./registry";
import { resolveAddresses } from "../common/addresses";
import type { RtcHost } from "./rtcHost";
import {
    SECRET_DIR, ensureLineScript, generateSecretScript, linkScript, removeFileScript, removeLineScript, serviceScript, stopServiceScript, writeFileScript,
} from "./scripts";

// The host primitives. Every daemon component uses these; none writes SSH or shell plumbing of its own.

export interface HostContext {
    readonly host: RtcHost;
    /** The component that owns the resources. */
    readonly parent: pulumi.Resource;
    /** How messages name that component, such as `TurnServer "turn"`. */
    readonly owner: string;
    /** The component's `retainOnDelete`, passed to every step: destroy then leaves the host as it is. */
    readonly retainOnDelete?: boolean;
    /** Prefix of resource names, usually the component's name. */
    readonly prefix: string;
    /** What must run first, usually the host's package transaction. */
    readonly after: pulumi.Input<pulumi.Resource>[];
}

export interface FileSpec {
    readonly path: string;
    /**
     * Rendered text. Secrets stand in it as placeholders, filled from `secrets` on the host; addresses known only
     * at deployment as tokens. An Output (text computed from such addresses) holds no secret placeholder.
     */
    readonly content: string | pulumi.Output<string>;
    /** Default "0644"; "0640" whenever a secret is inside. */
    readonly mode?: string;
    readonly owner?: string;
    readonly group?: string;
}

/** A file on a host, written through stdin; `revision` is its sha256 on the host. */
export interface HostFile {
    readonly path: string;
    readonly command: remote.Command;
    readonly revision: pulumi.Output<string>;
}

/** Secret values the host keeps under /etc/pulumi-rtc/secrets, one resource per value. */
export function hostSecret(ctx: HostContext, name: string, value: pulumi.Input<string>): HostFile {
    return writeValueFile(ctx, `secret-${name}`, { path: `${SECRET_DIR}/${name}`, content: "", mode: "0600" }, value, true);
}

/**
 * A file whose whole text is a value known only at deployment: a certificate (public) or a private key
 * (`secret`). Synth shows a placeholder in its place.
 */
export function writeValueFile(ctx: HostContext, id: string, spec: FileSpec, value: pulumi.Input<string>, secret: boolean): HostFile {
    claimFile(ctx, spec.path);
    const mode = spec.mode ?? (secret ? "0640" : "0644");
    const placeholder = secret ? `@@SECRET:${id}@@\n` : `@@VALUE:${id}: known at deployment@@\n`;
    recordFile({ host: ctx.host.hostName, path: spec.path, content: placeholder, mode, owner: spec.owner ?? "root", group: spec.group ?? "root" });
    const stdin = secret ? pulumi.secret(value) : pulumi.output(value);
    return commandForFile(ctx, id, spec, mode, stdin, { fillSecrets: false, secret, keepOriginal: false });
}

/** A certificate (world-readable) and its private key (readable by root and the service's group). */
export function writeCertificate(ctx: HostContext, cert: ServiceCertificate, paths: { certFile: string; keyFile: string; group: string }): HostFile[] {
    return [
        writeValueFile(ctx, slug(paths.certFile), { path: paths.certFile, content: "", mode: "0644" }, cert.certPem, false),
        writeValueFile(ctx, slug(paths.keyFile), { path: paths.keyFile, content: "", mode: "0640", group: paths.group }, cert.keyPem, true),
    ];
}

/**
 * A rendered file. Its non-secret text is the command's stdin, so previews and diffs show every line;
 * each placeholder is filled on the host from a `hostSecret` of the same name.
 */
export function writeFile(ctx: HostContext, spec: FileSpec, secrets: Record<string, HostFile> = {}): HostFile {
    const used = typeof spec.content === "string" ? secretsUsed(spec.content) : [];
    const missing = used.filter((s) => !secrets[s]);
    if (missing.length) throw new Error(`${spec.path} refers to secrets ${missing.join(", ")} that were not given`);
    claimFile(ctx, spec.path);
    const mode = spec.mode ?? (used.length ? "0640" : "0644");
    const record = (content: string) => recordFile({ host: ctx.host.hostName, path: spec.path, content, mode, owner: spec.owner ?? "root", group: spec.group ?? "root" });
    // Addresses known only at deployment go in last (common/addresses.ts).
    const text = typeof spec.content === "string" ? resolveAddresses(spec.content) : spec.content;
    text.apply(record);
    const deps = used.map((s) => secrets[s]);
    // A changed secret changes this file's command (see commandForFile), so the file is rewritten.
    return commandForFile(ctx, slug(spec.path), spec, mode, text, { fillSecrets: used.length > 0, secret: used.length > 0, keepOriginal: true }, deps);
}

function commandForFile(ctx: HostContext, id: string, spec: FileSpec, mode: string, stdin: pulumi.Input<string>,
    holds: { fillSecrets: boolean; secret: boolean; keepOriginal: boolean }, deps: HostFile[] = []): HostFile {
    const script = writeFileScript({ path: spec.path, mode, owner: spec.owner ?? "root", group: spec.group ?? "root", ...holds });
    // Secret revisions are keyed on the host (REVISION_KEY), so they can stand in the script in plaintext.
    const create = deps.length
        ? pulumi.all(deps.map((d) => d.revision)).apply((revs) => `# secret revisions: ${revs.map((r) => r.slice(0, 16)).join(" ")}\n${script}`)
        : script;
    const command = remoteCommand(ctx, id, { create, delete: removeFileScript(spec.path), stdin, secretOutputs: holds.secret ? ["stderr"] : [] },
        [...ctx.after, ...deps.map((d) => d.command)]);
    // The provider never marks stdout secret; for a file that holds a secret it is a keyed hash.
    return { path: spec.path, command, revision: command.stdout.apply((s) => s.trim()) };
}

/**
 * The one way this library runs a command on a host. Only stderr lines stream to the engine's log, and the
 * scripts print no secret there; the outputs of a command that handles a secret are secret in the state too.
 */
export function remoteCommand(ctx: HostContext, id: string,
    args: { create: pulumi.Input<string>; delete?: string; stdin?: pulumi.Input<string>; secretOutputs?: ("stdout" | "stderr")[] },
    dependsOn: pulumi.Input<pulumi.Resource>[]): remote.Command {
    return new remote.Command(`${ctx.prefix}-${id}`, {
        connection: ctx.host.connection,
        create: args.create,
        delete: args.delete,
        stdin: args.stdin,
        logging: "stderr",
        // Needs AcceptEnv on the server, and nothing here reads the previous output.
        addPreviousOutputInEnv: false,
    }, { parent: ctx.parent, dependsOn, additionalSecretOutputs: args.secretOutputs ?? [], retainOnDelete: ctx.retainOnDelete });
}

/**
 * One line in a file that others write too (such as `include` lines in BIND's named.conf.local): added when
 * missing, nothing else in the file touched. `replaceIfStartsWith` marks a file an earlier version wrote whole.
 */
export function ensureLine(ctx: HostContext, spec: { readonly path: string; readonly line: string; readonly replaceIfStartsWith?: string }): HostFile {
    const command = remoteCommand(ctx, `line-${slug(spec.path)}`,
        { create: ensureLineScript(spec.path, spec.line, spec.replaceIfStartsWith), delete: removeLineScript(spec.path, spec.line) }, ctx.after);
    return { path: spec.path, command, revision: command.stdout.apply((s) => s.trim()) };
}

export function writeLink(ctx: HostContext, path: string, target: string): HostFile {
    claimFile(ctx, path);
    recordFile({ host: ctx.host.hostName, path, content: "", mode: "0777", owner: "root", group: "root", linkTo: target });
    const command = remoteCommand(ctx, slug(path), { create: linkScript(path, target), delete: removeFileScript(path) }, ctx.after);
    return { path, command, revision: pulumi.output(`link:${target}`) };
}

export interface StepSpec {
    /** Short name, unique within the component. */
    readonly id: string;
    /** Idempotent shell text: running it twice leaves the host as running it once. */
    readonly script: string;
    /** Data for the script, such as secrets; never on a command line. */
    readonly stdin?: pulumi.Input<string>;
    /** Resources that must be done first. */
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** Idempotent shell text that undoes the step at destroy. Default: nothing. */
    readonly undo?: string;
    /** What the step works on, for people reading a preview (never a secret): the script's first line, as a comment. */
    readonly summary?: string;
}

/** An idempotent step, run on create and again whenever its script or stdin changes. */
export function runStep(ctx: HostContext, spec: StepSpec): remote.Command {
    const create = spec.summary !== undefined ? `# ${spec.summary.replace(/\s+/g, " ")}\n${spec.script}` : spec.script;
    return remoteCommand(ctx, spec.id, { create, delete: spec.undo, stdin: spec.stdin, secretOutputs: spec.stdin !== undefined ? ["stdout", "stderr"] : [] }, [...ctx.after, ...(spec.dependsOn ?? [])]);
}

export interface ServiceSpec {
    readonly unit: string;
    /** The files the unit reads; it restarts only when one of them changed. */
    readonly files: readonly HostFile[];
    readonly onChange?: "restart" | "reload";
    /** A command that checks the new configuration before the unit is (re)started; on failure the old one keeps running. */
    readonly check?: string;
    readonly dependsOn?: pulumi.Input<pulumi.Resource>[];
    /** Units on the same host it needs, started before it (`Wants=`, `After=`), such as `mariadb`. Default: none. */
    readonly after?: readonly string[];
    /** Files it cannot start without, such as its certificate and key (`AssertPathExists=`). Default: none. */
    readonly needsFiles?: readonly string[];
}

/**
 * Keeps a systemd unit enabled and running, restarted by systemd when it dies (a drop-in, one of its files), and
 * started after the units and files it needs.
 */
export function keepServiceRunning(ctx: HostContext, spec: ServiceSpec): remote.Command {
    const dropIn = sharedFile(ctx, `/etc/systemd/system/${unitName(spec.unit)}.d/pulumi-rtc.conf`, renderServiceDropIn(spec));
    const files = [...spec.files, dropIn];
    recordService({ host: ctx.host.hostName, unit: spec.unit, paths: files.map((f) => f.path) });
    const create = pulumi.all(files.map((f) => f.revision))
        .apply((revs) => serviceScript({ unit: spec.unit, paths: files.map((f) => f.path), revisions: revs, onChange: spec.onChange ?? "restart", check: spec.check }));
    return remoteCommand(ctx, `service-${spec.unit.replace(/\.service$/, "")}`, { create, delete: stopServiceScript(spec.unit) },
        [...ctx.after, ...files.map((f) => f.command), ...(spec.dependsOn ?? [])]);
}

const shared = new WeakMap<RtcHost, Map<string, { content: string; file: HostFile }>>();

/**
 * A file that several components on a host may ask for with the same text (such as the drop-in of a unit two
 * zones keep running): written once, by the first.
 */
export function sharedFile(ctx: HostContext, path: string, content: string): HostFile {
    const files = shared.get(ctx.host) ?? new Map<string, { content: string; file: HostFile }>();
    shared.set(ctx.host, files);
    const seen = files.get(path);
    if (seen && seen.content !== content) {
        throw new RtcConfigError(ctx.owner, path, `is wanted on ${ctx.host.fqdn} with other text than another component's`, "keep the unit's needs the same in both");
    }
    if (seen) return seen.file;
    const file = writeFile(ctx, { path, content });
    files.set(path, { content, file });
    return file;
}

const unitName = (unit: string) => (unit.includes(".") ? unit : `${unit}.service`);

/** The drop-in every kept unit gets: restart on failure within seconds, after what it needs. Pure. */
export function renderServiceDropIn(spec: Pick<ServiceSpec, "after" | "needsFiles">): string {
    const after = (spec.after ?? []).map(unitName);
    return [
        managedHeader("#").trimEnd(),
        "[Unit]",
        ...(after.length ? [`Wants=${after.join(" ")}`, `After=${after.join(" ")}`] : []),
        ...(spec.needsFiles ?? []).map((f) => `AssertPathExists=${f}`),
        "[Service]",
        "Restart=on-failure",
        "RestartSec=2s",
        "",
    ].join("\n");
}

const writers = new WeakMap<RtcHost, Map<string, string>>();

/** One writer per file on a host: a second component that would write the same file is refused, naming both. */
function claimFile(ctx: HostContext, path: string): void {
    const files = writers.get(ctx.host) ?? new Map<string, string>();
    writers.set(ctx.host, files);
    const first = files.get(path);
    if (first !== undefined && first !== ctx.owner) {
        throw new RtcConfigError(ctx.owner, path, `is already written on ${ctx.host.fqdn} by ${first}`,
            `place ${ctx.owner} on another host, or let ${first} alone serve what both need`);
    }
    files.set(path, ctx.owner);
}

function slug(path: string): string {
    return path.replace(/^\/+/, "").replace(/[^A-Za-z0-9.]+/g, "-");
}

/**
 * A secret made on the host and kept only there, such as a database password that nothing outside the host
 * needs. Made once; later runs keep it.
 */
export function hostGeneratedSecret(ctx: HostContext, name: string): HostFile {
    const path = `${SECRET_DIR}/${name}`;
    claimFile(ctx, path);
    recordFile({ host: ctx.host.hostName, path, content: `@@SECRET:${name}: generated on the host@@\n`, mode: "0600", owner: "root", group: "root" });
    const command = runStep(ctx, { id: `secret-${name}`, script: generateSecretScript(path), undo: removeFileScript(path) });
    return { path, command, revision: pulumi.output("generated-on-host") };
}

/** Lets a unit's own unprivileged user bind ports below 1024 (the port-443 layout), by a systemd drop-in. */
export function allowLowPorts(ctx: HostContext, unit: string): HostFile {
    return writeFile(ctx, {
        path: `/etc/systemd/system/${unit}.service.d/pulumi-rtc-bind-443.conf`,
        content: [
            "# Managed by pulumi-rtc (Pulumi). Do not edit by hand.",
            "# Lets the service's own user bind port 443.",
            "[Service]",
            "AmbientCapabilities=CAP_NET_BIND_SERVICE",
            "",
        ].join("\n"),
    });
}
