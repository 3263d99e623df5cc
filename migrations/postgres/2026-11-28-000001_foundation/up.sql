-- Reference data and the server's own settings.
CREATE TABLE counties (
    code TEXT PRIMARY KEY CHECK (code ~ '^[0-9]{6}$'),
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE app_settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

INSERT INTO counties (code, name) VALUES
    ('141102', '离石区'),
    ('141121', '文水县'),
    ('141122', '交城县'),
    ('141123', '兴县'),
    ('141124', '临县'),
    ('141125', '柳林县'),
    ('141126', '石楼县'),
    ('141127', '岚县'),
    ('141128', '方山县'),
    ('141129', '中阳县'),
    ('141130', '交口县'),
    ('141181', '孝义市'),
    ('141182', '汾阳市');
