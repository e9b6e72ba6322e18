-- rendered by `foobar render` from /etc/foobar/topology.toml for host db1: re-render, do not edit.
CREATE DATABASE IF NOT EXISTS `foobar` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'foobar_app'@'%' IDENTIFIED BY '<secret>';
ALTER USER 'foobar_app'@'%' IDENTIFIED BY '<secret>';
GRANT SELECT, INSERT, UPDATE, DELETE ON `foobar`.* TO 'foobar_app'@'%';
CREATE USER IF NOT EXISTS 'foobar_repl'@'%' IDENTIFIED BY '<secret>';
ALTER USER 'foobar_repl'@'%' IDENTIFIED BY '<secret>';
GRANT REPLICATION SLAVE ON *.* TO 'foobar_repl'@'%';
CREATE USER IF NOT EXISTS 'foobar_monitor'@'%' IDENTIFIED BY '<secret>';
ALTER USER 'foobar_monitor'@'%' IDENTIFIED BY '<secret>';
GRANT REPLICA MONITOR, BINLOG MONITOR, READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN ON *.* TO 'foobar_monitor'@'%';
USE `foobar`;
-- www.foobar.com schema. Plain SQL, idempotent: applied to the primary's app
-- database on every `foobar up` (no CREATE DATABASE / USE: the caller picks the database).
CREATE TABLE IF NOT EXISTS posts (
  id         BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
  author     VARCHAR(64) NOT NULL,
  body       TEXT NOT NULL,
  created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
  PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
STOP SLAVE;
CHANGE MASTER TO MASTER_HOST='10.0.0.41', MASTER_PORT=3306, MASTER_USER='foobar_repl', MASTER_PASSWORD='<secret>', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;
SET GLOBAL rpl_semi_sync_master_enabled=ON;
SET GLOBAL read_only=OFF;
