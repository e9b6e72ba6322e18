-- rendered by `foobar render` from /etc/foobar/topology.toml for host db1: re-render, do not edit.
CREATE DATABASE IF NOT EXISTS `foobar` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
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

SET @foobar_drop = (SELECT CONCAT('DROP USER ', GROUP_CONCAT(CONCAT(QUOTE(user), '@', QUOTE(host)))) FROM mysql.global_priv WHERE user = '' OR (user = 'root' AND host <> 'localhost'));
EXECUTE IMMEDIATE IF(@foobar_drop IS NULL, 'DO 0', @foobar_drop);
DROP DATABASE IF EXISTS `test`;
SET @foobar_drop = (SELECT CONCAT('DROP USER ', GROUP_CONCAT(CONCAT(QUOTE(user), '@', QUOTE(host)))) FROM mysql.global_priv WHERE user = 'foobar_app' AND host NOT IN ('10.0.0.31'));
EXECUTE IMMEDIATE IF(@foobar_drop IS NULL, 'DO 0', @foobar_drop);
CREATE USER IF NOT EXISTS 'foobar_app'@'10.0.0.31' IDENTIFIED BY '<secret>';
ALTER USER 'foobar_app'@'10.0.0.31' IDENTIFIED BY '<secret>';
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'foobar_app'@'10.0.0.31';
GRANT SELECT, INSERT ON `foobar`.`posts` TO 'foobar_app'@'10.0.0.31';
SET @foobar_drop = (SELECT CONCAT('DROP USER ', GROUP_CONCAT(CONCAT(QUOTE(user), '@', QUOTE(host)))) FROM mysql.global_priv WHERE user = 'foobar_repl' AND host NOT IN ('10.0.0.41', '10.0.0.42'));
EXECUTE IMMEDIATE IF(@foobar_drop IS NULL, 'DO 0', @foobar_drop);
CREATE USER IF NOT EXISTS 'foobar_repl'@'10.0.0.41' IDENTIFIED BY '<secret>';
ALTER USER 'foobar_repl'@'10.0.0.41' IDENTIFIED BY '<secret>';
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'foobar_repl'@'10.0.0.41';
GRANT REPLICATION SLAVE ON *.* TO 'foobar_repl'@'10.0.0.41';
CREATE USER IF NOT EXISTS 'foobar_repl'@'10.0.0.42' IDENTIFIED BY '<secret>';
ALTER USER 'foobar_repl'@'10.0.0.42' IDENTIFIED BY '<secret>';
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'foobar_repl'@'10.0.0.42';
GRANT REPLICATION SLAVE ON *.* TO 'foobar_repl'@'10.0.0.42';
SET @foobar_drop = (SELECT CONCAT('DROP USER ', GROUP_CONCAT(CONCAT(QUOTE(user), '@', QUOTE(host)))) FROM mysql.global_priv WHERE user = 'foobar_monitor' AND host NOT IN ('10.0.0.31', '10.0.0.51'));
EXECUTE IMMEDIATE IF(@foobar_drop IS NULL, 'DO 0', @foobar_drop);
CREATE USER IF NOT EXISTS 'foobar_monitor'@'10.0.0.31' IDENTIFIED BY '<secret>';
ALTER USER 'foobar_monitor'@'10.0.0.31' IDENTIFIED BY '<secret>';
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'foobar_monitor'@'10.0.0.31';
GRANT REPLICA MONITOR, BINLOG MONITOR, READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN ON *.* TO 'foobar_monitor'@'10.0.0.31';
CREATE USER IF NOT EXISTS 'foobar_monitor'@'10.0.0.51' IDENTIFIED BY '<secret>';
ALTER USER 'foobar_monitor'@'10.0.0.51' IDENTIFIED BY '<secret>';
REVOKE ALL PRIVILEGES, GRANT OPTION FROM 'foobar_monitor'@'10.0.0.51';
GRANT REPLICA MONITOR, BINLOG MONITOR, READ_ONLY ADMIN, REPLICATION SLAVE ADMIN, REPLICATION MASTER ADMIN ON *.* TO 'foobar_monitor'@'10.0.0.51';
STOP SLAVE;
CHANGE MASTER TO MASTER_HOST='10.0.0.41', MASTER_PORT=3306, MASTER_USER='foobar_repl', MASTER_PASSWORD='<secret>', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;
SET GLOBAL rpl_semi_sync_master_enabled=ON;
SET GLOBAL read_only=OFF;
