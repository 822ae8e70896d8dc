#!/usr/bin/env bash
# Make sure the servers the test suite talks to answer on loopback: Redis (6379),
# PostgreSQL (5432, user postgres without password) and MariaDB (3306, root without
# password), and that a Java runtime (for Spark) and Chromium (for the browser tests) are
# there. Starts what is installed but stopped; installs from Debian's packages what is missing
# (needs root). Idempotent: does nothing when all of them are there.
set -euo pipefail

answers() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() {
  for _ in $(seq 1 60); do answers "$2" && return 0; sleep 0.5; done
  echo "local-services: $1 did not start on port $2" >&2
  return 1
}

apt_install() {
  if [ "$(id -u)" != 0 ]; then
    echo "local-services: $* missing; install them (as root: apt-get install $*)" >&2
    exit 1
  fi
  if [ -z "${APT_UPDATED:-}" ]; then apt-get update -qq; APT_UPDATED=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

ensure_redis() {
  answers 6379 && return 0
  command -v redis-server >/dev/null || apt_install redis-server
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
    --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_for redis 6379
}

ensure_postgres() {
  answers 5432 && return 0
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    apt_install postgresql
    local hba
    hba=$(ls /etc/postgresql/*/main/pg_hba.conf | head -n 1)
    # Tests connect over loopback as postgres without a password, as on the dev machines.
    sed -i '1i host all all 127.0.0.1/32 trust\nhost all all ::1/128 trust' "$hba"
  fi
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start
  wait_for postgresql 5432
}

ensure_mariadb() {
  answers 3306 && return 0
  local fresh=""
  if ! command -v mariadbd >/dev/null; then apt_install mariadb-server; fresh=1; fi
  mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql
  wait_for mariadb 3306
  if [ -n "$fresh" ]; then
    mariadb -uroot -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA mysql_native_password \
      USING PASSWORD(''); CREATE USER IF NOT EXISTS 'root'@'127.0.0.1' IDENTIFIED BY ''; \
      GRANT ALL ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION; FLUSH PRIVILEGES;"
  fi
}

ensure_java() {  # the Spark training-set job runs on the JVM
  command -v java >/dev/null || apt_install default-jre-headless
}

ensure_chromium() {  # the browser tests drive Debian's Chromium through Playwright
  command -v chromium >/dev/null || apt_install chromium
}

ensure_redis
ensure_postgres
ensure_mariadb
ensure_java
ensure_chromium
echo "local-services: redis, postgresql and mariadb answer on loopback; java and chromium are installed"
