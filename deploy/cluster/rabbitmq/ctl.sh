#!/usr/bin/env bash
# rabbitmqctl against node N: ./ctl.sh 2 list_queues name type
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$HERE/common.sh"
n=${1:?usage: ctl.sh N rabbitmqctl-args...}; shift
ctl "$n" "$@"
