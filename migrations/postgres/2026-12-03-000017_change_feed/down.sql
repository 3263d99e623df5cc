DROP TABLE sync_ops;
DROP TABLE sync_horizon;
DROP TABLE change_feed;
