//! The catalogue with its ETag: 304 for the current one, 200 for a stale one.

use crate::lab::*;

fn catalogue(db: Option<&str>) {
    let lab = Lab::start(db);
    lab.run(async {
        let mut a = lab.kiosk("K-A").await;
        let cat = a.get("/api/v1/catalogue").await.unwrap();
        let etag = cat.header("etag").unwrap().to_string();
        let parsed: api::CatalogueResponse = cat.json().unwrap();
        township_core::domain::catalogue::Catalogue::parse(&parsed.toml).unwrap();
        let again = a
            .request("GET", "/api/v1/catalogue", &[("If-None-Match", &etag)], Vec::new())
            .await
            .unwrap();
        assert_eq!((again.status, again.body.len()), (304, 0));
        let stale = a
            .request("GET", "/api/v1/catalogue", &[("If-None-Match", "\"old\"")], Vec::new())
            .await
            .unwrap();
        assert_eq!(stale.status, 200);
    });
}

on_both_databases!(catalogue);
