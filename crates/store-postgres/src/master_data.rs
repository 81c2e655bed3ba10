//! Producers' master data: named counters, locations and products (migration 0006,
//! `docs/master-data.md`). The [`store::Store`] methods of [`PgStore`] delegate here.

use sqlx::postgres::PgRow;
use sqlx::{AssertSqlSafe, Postgres, QueryBuilder, Row};
use store::{
    LocationFields, MasterLocation, NewMasterLocation, NewProduct, Product, ProductFields, Result,
    StoreError, Visibility,
};

use crate::{BEGIN_WRITE, PgStore, db, to_u64};

const LOCATION_COLUMNS: &str = "id, org_id, kind, identifier, county_issued, name_zh, name_en, \
     township, village, parent_id, area_mu, area_m2, crop, created_at, updated_at";

const PRODUCT_COLUMNS: &str = "id, org_id, gtin, county_gtin, name_zh, name_en, unit, category, \
     brand, created_at, updated_at";

fn location_from_row(row: &PgRow) -> Result<MasterLocation> {
    Ok(MasterLocation {
        id: row.try_get(0).map_err(db)?,
        org_id: row.try_get(1).map_err(db)?,
        kind: row.try_get(2).map_err(db)?,
        identifier: row.try_get(3).map_err(db)?,
        county_issued: row.try_get(4).map_err(db)?,
        fields: LocationFields {
            name_zh: row.try_get(5).map_err(db)?,
            name_en: row.try_get(6).map_err(db)?,
            township: row.try_get(7).map_err(db)?,
            village: row.try_get(8).map_err(db)?,
            parent_id: row.try_get(9).map_err(db)?,
            area_mu: row.try_get(10).map_err(db)?,
            area_m2: row.try_get(11).map_err(db)?,
            crop: row.try_get(12).map_err(db)?,
        },
        created_at: row.try_get(13).map_err(db)?,
        updated_at: row.try_get(14).map_err(db)?,
    })
}

fn product_from_row(row: &PgRow) -> Result<Product> {
    Ok(Product {
        id: row.try_get(0).map_err(db)?,
        org_id: row.try_get(1).map_err(db)?,
        gtin: row.try_get(2).map_err(db)?,
        county_gtin: row.try_get(3).map_err(db)?,
        fields: ProductFields {
            name_zh: row.try_get(4).map_err(db)?,
            name_en: row.try_get(5).map_err(db)?,
            unit: row.try_get(6).map_err(db)?,
            category: row.try_get(7).map_err(db)?,
            brand: row.try_get(8).map_err(db)?,
        },
        created_at: row.try_get(9).map_err(db)?,
        updated_at: row.try_get(10).map_err(db)?,
    })
}

/// Appends `WHERE …` limiting rows to the organisations `visibility` reaches. Master data is
/// never shared, so [`Visibility::SharedOnly`] reaches nothing.
fn push_owners(builder: &mut QueryBuilder<Postgres>, visibility: &Visibility) {
    match visibility {
        Visibility::All => {
            builder.push(" WHERE TRUE");
        }
        Visibility::Org(org) => {
            builder.push(" WHERE org_id = ");
            builder.push_bind(*org);
        }
        Visibility::County(county) => {
            builder.push(" WHERE org_id IN (SELECT id FROM orgs WHERE county = ");
            builder.push_bind(county.clone());
            builder.push(")");
        }
        Visibility::Counties { org, counties } => {
            builder.push(" WHERE (org_id = ");
            builder.push_bind(*org);
            builder.push(" OR org_id IN (SELECT id FROM orgs WHERE county = ANY(");
            builder.push_bind(counties.clone());
            builder.push(")))");
        }
        Visibility::SharedOnly => {
            builder.push(" WHERE FALSE");
        }
    }
}

pub(crate) async fn next_number(store: &PgStore, counter: &str) -> Result<u64> {
    // One statement, committed on its own before the number is handed out: the row lock of
    // the upsert queues concurrent callers, and a later failure of the number's use cannot
    // give it back.
    let last: i64 = sqlx::query_scalar(
        "INSERT INTO counters (name, last) VALUES ($1, 1) \
         ON CONFLICT (name) DO UPDATE SET last = counters.last + 1 RETURNING last",
    )
    .bind(counter)
    .fetch_one(&store.pool)
    .await
    .map_err(db)?;
    to_u64(last)
}

pub(crate) async fn create_location(
    store: &PgStore,
    location: &NewMasterLocation,
) -> Result<MasterLocation> {
    let mut tx = store.pool.begin_with(BEGIN_WRITE).await.map_err(db)?;
    // The asset first, with the rule of `add_location`: its owner may register it again, no
    // one else may. The no-op update locks an existing row, so a concurrent claim waits.
    let owner: i64 = sqlx::query_scalar(
        "INSERT INTO locations (location, org_id) VALUES ($1, $2) \
         ON CONFLICT (location) DO UPDATE SET location = excluded.location RETURNING org_id",
    )
    .bind(&location.identifier)
    .bind(location.org_id)
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?;
    if owner != location.org_id {
        // Dropping the transaction rolls it back.
        return Err(StoreError::Conflict(format!(
            "location {} belongs to another organisation",
            location.identifier
        )));
    }
    let fields = &location.fields;
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO master_locations (org_id, kind, identifier, county_issued, name_zh, name_en, \
         township, village, parent_id, area_mu, area_m2, crop, created_at, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13) \
         RETURNING {LOCATION_COLUMNS}"
    )))
    .bind(location.org_id)
    .bind(&location.kind)
    .bind(&location.identifier)
    .bind(location.county_issued)
    .bind(&fields.name_zh)
    .bind(&fields.name_en)
    .bind(&fields.township)
    .bind(&fields.village)
    .bind(fields.parent_id)
    .bind(fields.area_mu)
    .bind(fields.area_m2)
    .bind(&fields.crop)
    .bind(location.created_at)
    .fetch_one(&mut *tx)
    .await
    .map_err(db)?;
    let stored = location_from_row(&row)?;
    tx.commit().await.map_err(db)?;
    Ok(stored)
}

pub(crate) async fn location(store: &PgStore, id: i64) -> Result<Option<MasterLocation>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {LOCATION_COLUMNS} FROM master_locations WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&store.pool)
    .await
    .map_err(db)?;
    row.as_ref().map(location_from_row).transpose()
}

pub(crate) async fn locations(
    store: &PgStore,
    visibility: &Visibility,
) -> Result<Vec<MasterLocation>> {
    let mut builder =
        QueryBuilder::<Postgres>::new(format!("SELECT {LOCATION_COLUMNS} FROM master_locations"));
    push_owners(&mut builder, visibility);
    builder.push(" ORDER BY id");
    let rows = builder.build().fetch_all(&store.pool).await.map_err(db)?;
    rows.iter().map(location_from_row).collect()
}

pub(crate) async fn update_location(
    store: &PgStore,
    id: i64,
    fields: &LocationFields,
    updated_at: i64,
) -> Result<MasterLocation> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "UPDATE master_locations SET name_zh = $1, name_en = $2, township = $3, village = $4, \
         parent_id = $5, area_mu = $6, area_m2 = $7, crop = $8, updated_at = $9 WHERE id = $10 \
         RETURNING {LOCATION_COLUMNS}"
    )))
    .bind(&fields.name_zh)
    .bind(&fields.name_en)
    .bind(&fields.township)
    .bind(&fields.village)
    .bind(fields.parent_id)
    .bind(fields.area_mu)
    .bind(fields.area_m2)
    .bind(&fields.crop)
    .bind(updated_at)
    .bind(id)
    .fetch_optional(&store.pool)
    .await
    .map_err(db)?;
    row.as_ref()
        .map(location_from_row)
        .transpose()?
        .ok_or(StoreError::NotFound)
}

pub(crate) async fn create_product(store: &PgStore, product: &NewProduct) -> Result<Product> {
    let fields = &product.fields;
    let row = sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO products (org_id, gtin, county_gtin, name_zh, name_en, unit, category, \
         brand, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) \
         RETURNING {PRODUCT_COLUMNS}"
    )))
    .bind(product.org_id)
    .bind(&product.gtin)
    .bind(product.county_gtin)
    .bind(&fields.name_zh)
    .bind(&fields.name_en)
    .bind(&fields.unit)
    .bind(&fields.category)
    .bind(&fields.brand)
    .bind(product.created_at)
    .fetch_one(&store.pool)
    .await
    .map_err(db)?;
    product_from_row(&row)
}

pub(crate) async fn product(store: &PgStore, id: i64) -> Result<Option<Product>> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "SELECT {PRODUCT_COLUMNS} FROM products WHERE id = $1"
    )))
    .bind(id)
    .fetch_optional(&store.pool)
    .await
    .map_err(db)?;
    row.as_ref().map(product_from_row).transpose()
}

pub(crate) async fn products(store: &PgStore, visibility: &Visibility) -> Result<Vec<Product>> {
    let mut builder =
        QueryBuilder::<Postgres>::new(format!("SELECT {PRODUCT_COLUMNS} FROM products"));
    push_owners(&mut builder, visibility);
    builder.push(" ORDER BY id");
    let rows = builder.build().fetch_all(&store.pool).await.map_err(db)?;
    rows.iter().map(product_from_row).collect()
}

pub(crate) async fn update_product(
    store: &PgStore,
    id: i64,
    fields: &ProductFields,
    updated_at: i64,
) -> Result<Product> {
    let row = sqlx::query(AssertSqlSafe(format!(
        "UPDATE products SET name_zh = $1, name_en = $2, unit = $3, category = $4, brand = $5, \
         updated_at = $6 WHERE id = $7 RETURNING {PRODUCT_COLUMNS}"
    )))
    .bind(&fields.name_zh)
    .bind(&fields.name_en)
    .bind(&fields.unit)
    .bind(&fields.category)
    .bind(&fields.brand)
    .bind(updated_at)
    .bind(id)
    .fetch_optional(&store.pool)
    .await
    .map_err(db)?;
    row.as_ref()
        .map(product_from_row)
        .transpose()?
        .ok_or(StoreError::NotFound)
}

/// The GTINs allocated to an organisation from the county's prefix, in bytewise order.
pub(crate) async fn owned_gtins(store: &PgStore, org_id: i64) -> Result<Vec<String>> {
    sqlx::query_scalar("SELECT gtin FROM products WHERE org_id = $1 AND county_gtin ORDER BY gtin")
        .bind(org_id)
        .fetch_all(&store.pool)
        .await
        .map_err(db)
}
