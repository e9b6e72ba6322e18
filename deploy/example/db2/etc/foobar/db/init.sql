-- rendered by `foobar render` from /etc/foobar/topology.toml for host db2: re-render, do not edit.
STOP SLAVE;
CHANGE MASTER TO MASTER_HOST='10.0.0.41', MASTER_PORT=3306, MASTER_USER='foobar_repl', MASTER_PASSWORD='<secret>', MASTER_USE_GTID=slave_pos, MASTER_CONNECT_RETRY=1;
START SLAVE;
