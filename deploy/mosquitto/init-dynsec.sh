#!/bin/sh
# Creates the dynamic security plugin's state with its admin account, once (an existing file is kept).
# Usage: init-dynsec.sh FILE ADMIN_USERNAME ADMIN_PASSWORD. The chat server connects with that account
# (MQTT_USERNAME / MQTT_PASSWORD) and provisions everything else itself.
set -eu
file=$1
if [ -f "$file" ]; then
  echo "dynamic security already initialised in $file"
  exit 0
fi
mosquitto_ctrl dynsec init "$file" "$2" "$3"
# The broker drops root privileges: its state file must be writable by the mosquitto user.
chown mosquitto:mosquitto "$file" 2>/dev/null || chmod 666 "$file"
