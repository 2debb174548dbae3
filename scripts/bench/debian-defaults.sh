#!/bin/bash
# bench:capacity, on the benchmarked host: the same daemons with Debian's own configuration, as the source
# chapter sets them up, for the "Debian's defaults" column. Runs as root on the host, over SSH.
#
#   debian-defaults.sh setup REALM SIPDOMAIN XMPPDOMAIN < users   (lines "name password")
#   debian-defaults.sh turn lt|rest                                  (one coturn at a time, on 3478)
#   debian-defaults.sh stop
#
# The stack's own units are stopped, not changed. Debian's packaged configuration files are taken from the
# packages' .debs (the installed ones are the stack's), with only the chapter's changes:
#   coturn   realm, and users in a user database of its own (the rows `turnadmin -a -r REALM` writes);
#   Kamailio WITH_MYSQL, WITH_AUTH, WITH_USRLOCDB, plus WITH_TLS for the TLS rows (with the stack's
#            certificate) and the SIP domain as an alias, a database of its own made by `kamdbctl create`,
#            users as `kamctl add` stores them;
#   Prosody  admins, the chapter's VirtualHost with its certificate (the stack's) and MUC component, users
#            added by `prosodyctl adduser`, and a data directory of its own.
# Passwords come on stdin and go to the stores on stdin, never on a command line. Each daemon runs as a
# transient unit (debian-*) under the user and the memory settings of the package's own unit.
set -euo pipefail
umask 022
DIR=/srv/debian-defaults
PRISTINE=$DIR/pristine
log() { printf '[debian-defaults] %s\n' "$*" >&2; }

stop_units() {
  systemctl stop debian-coturn debian-kamailio debian-prosody 2>/dev/null || true
  systemctl reset-failed debian-coturn debian-kamailio debian-prosody 2>/dev/null || true
}

setup() {
  local realm=$1 sip_domain=$2 xmpp_domain=$3
  stop_units
  systemctl stop coturn coturn-rest kamailio prosody 2>/dev/null || true
  rm -rf "$DIR"; mkdir -p "$PRISTINE" "$DIR/debs"
  cat > "$DIR/users"; chmod 600 "$DIR/users"
  chown _apt "$DIR/debs"
  (cd "$DIR/debs" && apt-get download -q coturn kamailio prosody >/dev/null)
  for deb in "$DIR"/debs/*.deb; do dpkg-deb -x "$deb" "$PRISTINE"; done

  log "coturn: packaged turnserver.conf + realm; users in $DIR/turndb"
  cp "$PRISTINE/etc/turnserver.conf" "$DIR/turnserver.conf"
  printf '\n# the chapter\nrealm=%s\nuserdb=%s/turndb\n' "$realm" "$DIR" >> "$DIR/turnserver.conf"
  sqlite3 "$DIR/turndb" < /usr/share/coturn/schema.sql
  while read -r name pw; do
    key=$(printf '%s' "$name:$realm:$pw" | md5sum | cut -d' ' -f1)
    echo "INSERT OR REPLACE INTO turnusers_lt (realm,name,hmackey) VALUES ('$realm','$name','$key');"
  done < "$DIR/users" | sqlite3 "$DIR/turndb"
  chown -R turnserver: "$DIR/turndb"
  # REST credentials: the packaged file with the two lines that turn them on; the secret is the first user's password.
  cp "$DIR/turnserver.conf" "$DIR/turnserver-rest.conf"
  printf 'use-auth-secret\nstatic-auth-secret=%s\n' "$(head -1 "$DIR/users" | cut -d' ' -f2)" >> "$DIR/turnserver-rest.conf"
  chown root:turnserver "$DIR/turnserver-rest.conf"; chmod 640 "$DIR/turnserver-rest.conf"

  log "Kamailio: packaged kamailio.cfg + the chapter's defines; database kamailio_debian"
  mkdir -p "$DIR/kamailio"
  { echo '#!KAMAILIO'; printf '#!define %s\n' WITH_MYSQL WITH_AUTH WITH_USRLOCDB WITH_TLS
    echo '#!define DBURL "mysql://kamailio_debian:kamailiorw@localhost/kamailio_debian"'
    sed 1d "$PRISTINE/etc/kamailio/kamailio.cfg"
    # without it, the users' domain is not the proxy's own: every REGISTER and INVITE gets 403
    echo "alias=\"$sip_domain\""; } > "$DIR/kamailio/kamailio.cfg"
  # kamdbctl reads ~/.kamctlrc after /etc/kamailio/kamctlrc (the stack's)
  cp "$PRISTINE/etc/kamailio/kamctlrc" "$DIR/kamailio/.kamctlrc"
  cat >> "$DIR/kamailio/.kamctlrc" <<EOF
# the chapter
SIP_DOMAIN=$sip_domain
DBENGINE=MYSQL
# a database of its own, beside the stack's; the packaged default passwords
DBNAME=kamailio_debian
DBRWUSER=kamailio_debian
DBRWPW=kamailiorw
DBROUSER=kamailioro_debian
DBROPW=kamailioro
DBROOTUSER=root
DBROOTPWSKIP=yes
CHARSET=latin1
INSTALL_EXTRA_TABLES=no
INSTALL_PRESENCE_TABLES=no
INSTALL_DBUID_TABLES=no
EOF
  mysql -e "DROP DATABASE IF EXISTS kamailio_debian; DROP USER IF EXISTS 'kamailio_debian'@'localhost', 'kamailioro_debian'@'localhost'"
  HOME=$DIR/kamailio kamdbctl create >/dev/null 2>&1 </dev/null || { HOME=$DIR/kamailio kamdbctl create </dev/null >&2; exit 1; }
  while read -r name pw; do
    ha1=$(printf '%s' "$name:$sip_domain:$pw" | md5sum | cut -d' ' -f1)
    ha1b=$(printf '%s' "$name@$sip_domain:$sip_domain:$pw" | md5sum | cut -d' ' -f1)
    echo "INSERT INTO subscriber (username, domain, password, ha1, ha1b) VALUES ('$name', '$sip_domain', '$pw', '$ha1', '$ha1b');"
  done < "$DIR/users" | mysql kamailio_debian

  log "Prosody: packaged prosody.cfg.lua + the chapter's VirtualHost; data in $DIR/prosody-data"
  mkdir -p "$DIR/prosody/conf.d" "$DIR/prosody-data"
  chown prosody: "$DIR/prosody-data"
  # Global settings go before the file's first VirtualHost, so they come first.
  { printf -- '-- beside the stack'"'"'s data\ndata_path = "%s/prosody-data"\n\n' "$DIR"
    sed -e "s#^admins = { }#admins = { \"joe@$xmpp_domain\" } -- the chapter#" -e 's#^pidfile = .*#pidfile = "/run/debian-prosody/prosody.pid"#' \
      "$PRISTINE/etc/prosody/prosody.cfg.lua"
  } > "$DIR/prosody/prosody.cfg.lua"
  local cert key
  cert=$(sed -n 's/^ *certificate = "\(.*\)";$/\1/p' /etc/prosody/conf.avail/"$xmpp_domain".cfg.lua | head -1)
  key=$(sed -n 's/^ *key = "\(.*\)";$/\1/p' /etc/prosody/conf.avail/"$xmpp_domain".cfg.lua | head -1)
  cat > "$DIR/prosody/conf.d/$xmpp_domain.cfg.lua" <<EOF
VirtualHost "$xmpp_domain"
        enabled = true
        ssl = {
                key = "$key";
                certificate = "$cert";
                }

-- Set up a MUC (multi-user chat) room server on conference.example.com:
Component "conference.$xmpp_domain" "muc"
EOF
  while read -r name pw; do
    printf '%s\n%s\n' "$pw" "$pw" | runuser -u prosody -- prosodyctl --config "$DIR/prosody/prosody.cfg.lua" adduser "$name@$xmpp_domain" >/dev/null
  done < "$DIR/users"

  start_kamailio
  start_prosody
}

# The packaged units' users and memory (kamailio.service: -m SHM_MEMORY -M PKG_MEMORY from /etc/default/kamailio).
start_kamailio() {
  local shm pkg
  shm=$(sed -n 's/^#\?SHM_MEMORY=//p' "$PRISTINE/etc/default/kamailio" | head -1)
  pkg=$(sed -n 's/^#\?PKG_MEMORY=//p' "$PRISTINE/etc/default/kamailio" | head -1)
  systemd-run -q --unit debian-kamailio -p User=kamailio -p Group=kamailio -p AmbientCapabilities=CAP_NET_BIND_SERVICE \
    -p RuntimeDirectory=kamailio -p LimitNOFILE=16384 \
    /usr/sbin/kamailio -DD -E -f "$DIR/kamailio/kamailio.cfg" -m "${shm:-64}" -M "${pkg:-8}" -P /run/kamailio/kamailio.pid
}

start_prosody() {
  systemd-run -q --unit debian-prosody -p User=prosody -p Group=prosody -p RuntimeDirectory=debian-prosody \
    /usr/bin/prosody --config "$DIR/prosody/prosody.cfg.lua" -F
}

turn() {
  systemctl stop debian-coturn 2>/dev/null || true; systemctl reset-failed debian-coturn 2>/dev/null || true
  local conf=$DIR/turnserver.conf
  [ "$1" = rest ] && conf=$DIR/turnserver-rest.conf
  systemd-run -q --unit debian-coturn -p User=turnserver -p Group=turnserver -p AmbientCapabilities=CAP_NET_BIND_SERVICE \
    -p LimitNOFILE=65536 /usr/bin/turnserver -c "$conf" --pidfile=
}

# Waits until something listens on each of the given TCP ports.
wait_ports() {
  local p
  for p in "$@"; do
    for _ in $(seq 100); do ss -Hltn "sport = :$p" | grep -q . && break; sleep 0.1; done
    ss -Hltn "sport = :$p" | grep -q . || { log "nothing listens on $p"; journalctl -q -n 30 -u 'debian-*' >&2; exit 1; }
  done
}

case "${1:-}" in
  setup) setup "$2" "$3" "$4"; wait_ports 5060 5061 5222 ;;
  turn) turn "$2"; wait_ports 3478 ;;
  stop) stop_units; for u in coturn coturn-rest kamailio prosody; do ! systemctl is-enabled -q "$u" 2>/dev/null || systemctl start "$u"; done ;;
  *) echo "usage: $0 setup REALM SIPDOMAIN XMPPDOMAIN < users | turn lt|rest | stop" >&2; exit 2 ;;
esac
