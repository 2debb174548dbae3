// Shell text for the host primitives. Pure: no Pulumi imports. Secrets never appear here;
// they reach the host on stdin and are read there.

/** Where the host keeps secret values that rendered files refer to by placeholder. */
export const SECRET_DIR = "/etc/pulumi-rtc/secrets";

export function shellQuote(value: string): string {
    return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** What the host keeps about what the stack did: packages it installed, originals of files it replaced, users. */
export const STATE_DIR = "/var/lib/pulumi-rtc";

const strict = "set -eu";
const installedPackages = `dpkg-query -W -f='\${db:Status-Status} \${Package}\\n' | awk '$1 == "installed" { print $2 }' | sort`;
const apt = `apt-get -q -y -o DPkg::Lock::Timeout=600 -o Dpkg::Options::=--force-confold`;

/**
 * Installs missing packages in one apt transaction, a no-op when all are installed, and records every package
 * the transaction added (dependencies included) under `id`, for `aptPurgeScript`.
 */
export function aptInstallScript(packages: readonly string[], id: string): string {
    const list = [...new Set(packages)].sort();
    return [
        strict,
        `packages=${shellQuote(list.join(" "))}`,
        `record=${shellQuote(`${STATE_DIR}/packages/${id}.installed`)}`,
        `missing=""`,
        `for p in $packages; do`,
        `  dpkg-query -W -f='\${Status}' "$p" 2>/dev/null | grep -q '^install ok installed$' || missing="$missing $p"`,
        `done`,
        `[ -n "$missing" ] || exit 0`,
        `mkdir -p "$(dirname "$record")" && chmod 0700 ${STATE_DIR}`,
        `before=$(mktemp) && after=$(mktemp) && trap 'rm -f "$before" "$after"' EXIT`,
        `${installedPackages} > "$before"`,
        `export DEBIAN_FRONTEND=noninteractive`,
        `${apt} update`,
        `${apt} install $missing`,
        `${installedPackages} > "$after"`,
        `comm -13 "$before" "$after" | cat - "$record" 2>/dev/null | sort -u > "$record.new" && mv -f "$record.new" "$record"`,
    ].join("\n");
}

/** Purges the packages `aptInstallScript` recorded under `id` that are still installed; packages that were there before stay. */
export function aptPurgeScript(id: string): string {
    return [
        strict,
        `record=${shellQuote(`${STATE_DIR}/packages/${id}.installed`)}`,
        `[ -s "$record" ] || { rm -f "$record"; exit 0; }`,
        `purge=$(${installedPackages} | comm -12 - "$record" | tr '\\n' ' ')`,
        `export DEBIAN_FRONTEND=noninteractive`,
        `[ -z "$purge" ] || ${apt} purge $purge`,
        // A database server the stack installed goes with its data. (Debian's postrm cannot be told so: it
        // purges its debconf answers before it asks whether to remove the databases, and keeps them.)
        `case " $purge " in *" mariadb-server "*) rm -rf /var/lib/mysql /var/log/mysql /etc/mysql/debian.cnf; rmdir /etc/mysql 2>/dev/null || true;; esac`,
        `rm -f "$record"`,
        `rmdir --ignore-fail-on-non-empty "$(dirname "$record")" ${STATE_DIR} 2>/dev/null || true`,
    ].join("\n");
}

export interface FileScriptArgs {
    readonly path: string;
    readonly mode: string;
    readonly owner: string;
    readonly group: string;
    /** Fill @@SECRET:name@@ placeholders from the host's secret store. */
    readonly fillSecrets: boolean;
    /** The file holds a secret: its revision is keyed (see REVISION_KEY). Default: as fillSecrets. */
    readonly secret?: boolean;
    /** Keep the file found there before the first write (one not written by pulumi-rtc), for `removeFileScript`. */
    readonly keepOriginal?: boolean;
}

/** Where the original of a replaced file is kept. */
const originalOf = (path: string) => `${STATE_DIR}/originals${path}`;

/**
 * Keys the revisions of files that hold a secret. Made once per host and never leaves it, so a revision in
 * Pulumi's state cannot confirm a guessed password offline.
 */
export const REVISION_KEY = "/etc/pulumi-rtc/revision-key";

/**
 * Writes stdin to a file atomically, with mode and owner, and prints its revision: the file's sha256, keyed
 * with the host's revision key when the file holds a secret. Rewriting an identical file keeps the revision,
 * so nothing downstream restarts.
 */
export function writeFileScript(a: FileScriptArgs): string {
    const fill = a.fillSecrets
        ? [
            `perl -0pi -e 's{\\@\\@SECRET:([a-z0-9][a-z0-9.-]*)\\@\\@}{local $/; open(my $f, "<", "${SECRET_DIR}/$1") or die "pulumi-rtc: secret $1 is not on this host\\n"; my $v = <$f>; close $f; $v}ge' "$tmp"`,
        ]
        : [];
    return [
        strict,
        `path=${shellQuote(a.path)}`,
        `mkdir -p "$(dirname "$path")"`,
        ...(a.keepOriginal ? [
            `original=${shellQuote(originalOf(a.path))}`,
            `if [ ! -e "$original" ] && [ ! -e "$original.absent" ]; then`,
            `  mkdir -p "$(dirname "$original")" && chmod 0700 ${STATE_DIR}`,
            `  if [ -e "$path" ] && ! grep -q 'Managed by pulumi-rtc' "$path"; then cp -a "$path" "$original"; else touch "$original.absent"; fi`,
            `fi`,
        ] : []),
        `tmp=$(mktemp "$path.rtc-XXXXXX")`,
        `trap 'rm -f "$tmp"' EXIT`,
        `cat > "$tmp"`,
        ...fill,
        `chown ${shellQuote(`${a.owner}:${a.group}`)} "$tmp"`,
        `chmod ${a.mode} "$tmp"`,
        `if [ -L "$path" ] || ! cmp -s "$tmp" "$path"; then mv -f "$tmp" "$path"; else chown ${shellQuote(`${a.owner}:${a.group}`)} "$path"; chmod ${a.mode} "$path"; fi`,
        ...(a.secret ?? a.fillSecrets ? keyedRevision : [`sha256sum "$path" | cut -d' ' -f1`]),
    ].join("\n");
}

const keyedRevision = [
    `key=${shellQuote(REVISION_KEY)}`,
    `if [ ! -s "$key" ]; then`,
    `  mkdir -p "$(dirname "$key")" && new=$(mktemp "$key.rtc-XXXXXX") && head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \\n' > "$new"`,
    `  ln "$new" "$key" 2>/dev/null || true; rm -f "$new"`, // the first writer wins; later ones read its key
    `fi`,
    `cat "$key" "$path" | sha256sum | cut -d' ' -f1`,
];

/**
 * Makes sure a file shared with others (the administrator, other components) holds one line, appending it
 * when missing, under a lock. A file that starts with `replaceIfStartsWith` was wholly ours in an earlier
 * version and is replaced by the line. Prints the file's sha256.
 */
export function ensureLineScript(path: string, line: string, replaceIfStartsWith?: string): string {
    return [
        strict,
        `path=${shellQuote(path)}`,
        `line=${shellQuote(line)}`,
        `mkdir -p "$(dirname "$path")" /run/lock`,
        `exec 9>"/run/lock/pulumi-rtc-$(printf '%s' "$path" | tr / _).lock"`,
        `flock 9`,
        `touch "$path"`,
        ...(replaceIfStartsWith
            ? [`if head -n 1 "$path" | grep -qF ${shellQuote(replaceIfStartsWith)}; then printf '%s\n' "$line" > "$path"`,
                `elif ! grep -qxF "$line" "$path"; then printf '%s\n' "$line" >> "$path"; fi`]
            : [`grep -qxF "$line" "$path" || printf '%s\n' "$line" >> "$path"`]),
        `sha256sum "$path" | cut -d' ' -f1`,
    ].join("\n");
}

/** Undoes a file's writes: puts back the original it replaced, or removes it; then empty folders of ours. */
export function removeFileScript(path: string): string {
    return [
        strict,
        `path=${shellQuote(path)}`,
        `original=${shellQuote(originalOf(path))}`,
        `if [ -e "$original" ]; then mv -f "$original" "$path"; else rm -f "$path"; fi`,
        `rm -f "$original.absent"`,
        pruneEmptyFolders(`"$(dirname "$path")" "$(dirname "$original")"`),
    ].join("\n");
}

/** Removes empty folders from the given ones up, within pulumi-rtc's own trees only. */
function pruneEmptyFolders(dirs: string): string {
    return `for d in ${dirs}; do while case "$d" in /etc/pulumi-rtc*|${STATE_DIR}*|/etc/bind/pulumi-rtc*) true;; *) false;; esac && rmdir "$d" 2>/dev/null; do d=$(dirname "$d"); done; done`;
}

/** Removes the line `ensureLineScript` added, leaving the rest of the file. */
export function removeLineScript(path: string, line: string): string {
    return [
        strict,
        `path=${shellQuote(path)}`,
        `line=${shellQuote(line)}`,
        `[ -e "$path" ] || exit 0`,
        `exec 9>"/run/lock/pulumi-rtc-$(printf '%s' "$path" | tr / _).lock"`,
        `flock 9`,
        `grep -qxF "$line" "$path" || exit 0`,
        `tmp=$(mktemp) && grep -vxF "$line" "$path" > "$tmp" || true`,
        `cat "$tmp" > "$path" && rm -f "$tmp"`,
    ].join("\n");
}

/** A symbolic link, replaced only when it points elsewhere. */
export function linkScript(path: string, target: string): string {
    return [
        strict,
        `mkdir -p "$(dirname ${shellQuote(path)})"`,
        `[ "$(readlink ${shellQuote(path)} 2>/dev/null)" = ${shellQuote(target)} ] || ln -sfn ${shellQuote(target)} ${shellQuote(path)}`,
        `printf '%s\\n' ${shellQuote(`link ${target}`)}`,
    ].join("\n");
}

export interface ServiceScriptArgs {
    readonly unit: string;
    /** The files the unit reads: one written since the unit last took its files (re)starts it. */
    readonly paths: readonly string[];
    /** Their revisions: a changed one changes the script, so the step runs again. */
    readonly revisions: readonly string[];
    /** Restart (default) or reload when a file changed. */
    readonly onChange: "restart" | "reload";
    /** Checks the configuration first; the unit is not touched when it fails. */
    readonly check?: string;
}

/** Where a unit's last application of its files is stamped. */
export const UNIT_STAMP_DIR = "/var/lib/pulumi-rtc/units";

/**
 * Keeps a unit enabled and running. The step runs again whenever a revision of its files changes (or its
 * connection does), but (re)starts the unit only when it is down or one of its files was written after the
 * unit last took them: the stamp of our last (re)start, or the unit's own start time where there is none.
 */
export function serviceScript(a: ServiceScriptArgs): string {
    const unit = shellQuote(a.unit);
    const action = a.onChange === "reload" ? "reload-or-restart" : "restart";
    return [
        strict,
        `# revisions of ${a.unit}'s files: ${a.revisions.map((r) => r.slice(0, 16)).join(" ") || "none"}`,
        `stamp=${shellQuote(`${UNIT_STAMP_DIR}/${a.unit}.applied`)}`,
        `before=${shellQuote(`${UNIT_STAMP_DIR}/${a.unit}.before`)}`,
        // A unit the stack did not install: remember how it was, for stopServiceScript.
        `if [ ! -e "$stamp" ] && [ ! -e "$before" ]; then`,
        `  mkdir -p "$(dirname "$before")"`,
        `  pkg=$(dpkg -S "$(systemctl show -p FragmentPath --value ${unit})" 2>/dev/null | cut -d: -f1 || true)`,
        `  if [ -n "$pkg" ] && ! cat ${STATE_DIR}/packages/*.installed 2>/dev/null | grep -qx "$pkg"; then`,
        `    echo "$(systemctl is-enabled ${unit} 2>/dev/null || true) $(systemctl is-active ${unit} 2>/dev/null || true)" > "$before"`,
        `  else : > "$before"; fi`,
        `fi`,
        `systemctl daemon-reload`,
        `systemctl enable --quiet ${unit}`,
        `if [ -e "$stamp" ]; then since="-newer $stamp"`,
        `else started=$(systemctl show -p ActiveEnterTimestamp --value --timestamp=unix ${unit} 2>/dev/null | tr -d @); since="-newermt @\${started:-0}"; fi`,
        `newer=$(find ${a.paths.map(shellQuote).join(" ") || "/dev/null"} -maxdepth 0 $since -print 2>/dev/null || echo "a file is missing")`,
        `if systemctl is-active --quiet ${unit} && [ -z "$newer" ]; then echo "${a.unit}: running on its current files" >&2; exit 0; fi`,
        ...(a.check ? [a.check] : []),
        `systemctl ${action} ${unit}`,
        `for i in 1 2 3 4 5 6 7 8 9 10; do systemctl is-active --quiet ${unit} && break; sleep 1; done`,
        `sleep 1`,
        `if ! systemctl is-active --quiet ${unit}; then journalctl -u ${unit} -n 40 --no-pager >&2 || true; echo "pulumi-rtc: ${a.unit} did not stay up" >&2; exit 1; fi`,
        `mkdir -p "$(dirname "$stamp")" && touch "$stamp"`,
        `echo "${a.unit}: ${a.onChange === "reload" ? "reloaded" : "restarted"} on its new files" >&2`,
    ].join("\n");
}

/**
 * Undoes `serviceScript`: a unit whose package was there before the stack gets back the state it had before
 * the stack first touched it; any other unit is stopped and disabled (its package is purged next).
 */
export function stopServiceScript(unit: string): string {
    const u = shellQuote(unit);
    return [
        strict,
        `stamp=${shellQuote(`${UNIT_STAMP_DIR}/${unit}.applied`)}`,
        `before=${shellQuote(`${UNIT_STAMP_DIR}/${unit}.before`)}`,
        `if [ -s "$before" ]; then`,
        `  read -r enabled active < "$before"`,
        `  [ "$enabled" = enabled ] && systemctl enable --quiet ${u} || systemctl disable --quiet ${u} || true`,
        `  [ "$active" = active ] && systemctl restart ${u} || systemctl stop ${u} || true`,
        `else`,
        `  systemctl disable --now --quiet ${u} 2>/dev/null || true`,
        `fi`,
        `rm -f "$stamp" "$before"`,
        pruneEmptyFolders(`"$(dirname "$stamp")"`),
    ].join("\n");
}

/** Sets the host name to `fqdn` and keeps one line of ours in /etc/hosts for it; remembers the name it had. */
export function hostIdentityScript(fqdn: string, address: string): string {
    return [
        strict,
        `fqdn=${shellQuote(fqdn)}`,
        `line=${shellQuote(`${address} ${fqdn} ${fqdn.split(".")[0]} # pulumi-rtc`)}`,
        `mkdir -p ${STATE_DIR} && chmod 0700 ${STATE_DIR}`,
        `[ -e ${STATE_DIR}/hostname.before ] || hostname > ${STATE_DIR}/hostname.before`,
        `if [ "$(hostname)" != "$fqdn" ]; then hostnamectl set-hostname "$fqdn" 2>/dev/null || { printf '%s\n' "$fqdn" > /etc/hostname; hostname "$fqdn"; }; fi`,
        `tmp=$(mktemp) && { grep -v ' # pulumi-rtc$' /etc/hosts || true; printf '%s\n' "$line"; } > "$tmp"`,
        `cmp -s "$tmp" /etc/hosts || cat "$tmp" > /etc/hosts`,
        `rm -f "$tmp"`,
    ].join("\n");
}

/** Undoes `hostIdentityScript`, and removes the host's revision key and pulumi-rtc's empty folders. */
export function restoreIdentityScript(): string {
    return [
        strict,
        `before=$(cat ${STATE_DIR}/hostname.before 2>/dev/null || true)`,
        `if [ -n "$before" ] && [ "$(hostname)" != "$before" ]; then hostnamectl set-hostname "$before" 2>/dev/null || { printf '%s\n' "$before" > /etc/hostname; hostname "$before"; }; fi`,
        `tmp=$(mktemp) && { grep -v ' # pulumi-rtc$' /etc/hosts || true; } > "$tmp" && { cmp -s "$tmp" /etc/hosts || cat "$tmp" > /etc/hosts; } && rm -f "$tmp"`,
        `rm -f ${STATE_DIR}/hostname.before ${shellQuote(REVISION_KEY)}`,
        pruneEmptyFolders(`${shellQuote(SECRET_DIR)} /etc/pulumi-rtc ${STATE_DIR}`),
    ].join("\n");
}

/** Undoes `userSyncScript`: removes every user it added (users made by hand stay), then its own record. */
export function userUndoScript(a: UserSyncArgs): string {
    return [
        "exec </dev/null", // declare no user: the sync removes all the ones it added
        userSyncScript(a),
        `rm -f ${shellQuote(`${STATE_DIR}/${a.id}.users`)}`,
        pruneEmptyFolders(STATE_DIR),
    ].join("\n");
}

/** Makes a random secret file once (letters and digits, 32 of them); keeps an existing one. */
export function generateSecretScript(path: string): string {
    return [
        strict,
        `path=${shellQuote(path)}`,
        `umask 077`,
        `mkdir -p "$(dirname "$path")"`,
        `if [ ! -s "$path" ]; then tr -dc 'A-Za-z0-9' < /dev/urandom | head -c 32 > "$path.new"; mv -f "$path.new" "$path"; fi`,
    ].join("\n");
}

export interface UserSyncArgs {
    /** Names the state file that remembers which users this step manages. */
    readonly id: string;
    /** Shell run once before the users; its output goes to the batch. */
    readonly begin?: string;
    /** Shell run per declared user with $kind, $name and $cred (what `userLines` sent) set; its output goes to the batch. */
    readonly upsert: string;
    /** Shell run per user this step added before and that is no longer declared ($kind, $name). */
    readonly remove: string;
    readonly end?: string;
    /** Shell that applies the batch in "$batch" (e.g. feeds it to a database client). */
    readonly apply: string;
}

/**
 * Brings the declared users (stdin lines `kind name credential`, see `userLines`) into a user store, and removes only the
 * users this step itself added earlier: users made by hand survive. Passwords never reach a command line.
 */
export function userSyncScript(a: UserSyncArgs): string {
    return [
        strict,
        `state=${shellQuote(`/var/lib/pulumi-rtc/${a.id}.users`)}`,
        `mkdir -p /var/lib/pulumi-rtc && chmod 0700 /var/lib/pulumi-rtc`,
        `umask 077`,
        `batch=$(mktemp) && declared=$(mktemp)`,
        `trap 'rm -f "$batch" "$declared"' EXIT`,
        `{`,
        a.begin ?? ":",
        // No process per user: 1,000 users must not cost thousands of forks.
        `while read -r kind name cred; do`,
        `  printf '%s %s\\n' "$kind" "$name" >> "$declared"`,
        a.upsert,
        `done`,
        `if [ -f "$state" ]; then`,
        `  grep -vxFf "$declared" "$state" | while read -r kind name; do`,
        a.remove,
        `  done`,
        `fi`,
        a.end ?? ":",
        `} > "$batch"`,
        a.apply,
        `mv -f "$declared" "$state"`,
        `echo "users: $(wc -l < "$state")"`,
    ].join("\n");
}
