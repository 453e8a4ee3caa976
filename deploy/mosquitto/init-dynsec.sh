#!/bin/sh
# Creates the dynamic security plugin's state with its admin account, once (an existing file is kept).
# Usage, as root: init-dynsec.sh FILE ADMIN_USERNAME ADMIN_PASSWORD, where FILE is the configuration's
# plugin_opt_config_file:
#   docker-compose (mosquitto.conf):   /mosquitto/data/dynamic-security.json  (the mosquitto-init service)
#   a Debian host (mosquitto-host.conf): sudo deploy/mosquitto/init-dynsec.sh \
#                                          /var/lib/mosquitto/chat/dynamic-security.json chat-admin '<password>'
# A missing directory is created, owned by the mosquitto user: it is also the broker's persistence_location, and the
# broker writes there after dropping root privileges. The chat server connects with the admin account
# (MQTT_USERNAME / MQTT_PASSWORD) and provisions everything else itself.
set -eu
if [ $# -ne 3 ]; then
  echo "usage: $0 FILE ADMIN_USERNAME ADMIN_PASSWORD" >&2
  exit 2
fi
file=$1
if [ -f "$file" ]; then
  echo "dynamic security already initialised in $file"
  exit 0
fi
dir=$(dirname "$file")
if [ ! -d "$dir" ]; then
  mkdir -p "$dir"
  # As root (the broker is started as root and drops to mosquitto); otherwise the broker runs as this same user.
  if [ "$(id -u)" = 0 ]; then chown mosquitto:mosquitto "$dir"; fi
fi
# The file holds the admin password's hash: readable by the broker alone.
umask 077
# mosquitto_ctrl 2.0 exits 0 even when it cannot write the file, so the file itself is the proof.
mosquitto_ctrl dynsec init "$file" "$2" "$3" >/dev/null
if [ ! -f "$file" ]; then
  echo "init-dynsec.sh: mosquitto_ctrl could not create $file" >&2
  exit 1
fi
# The broker drops root privileges: its state file must be writable by the mosquitto user.
chown mosquitto:mosquitto "$file" 2>/dev/null || chmod 666 "$file"
echo "dynamic security initialised in $file with the admin account $2"
