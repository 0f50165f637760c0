//! The catalogue page (事项清单): categories and the current category's items with badges.

use crate::app::kiosk::KioskApp;
use crate::domain::catalogue::Flag;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CategoryView {
    pub code: String,
    pub name: String,
    pub count: usize,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ItemView {
    pub code: String,
    pub name: String,
    pub at_most_once: bool,
    pub immediate: bool,
    pub online_only: bool,
    pub express: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CatalogueView {
    pub categories: Vec<CategoryView>,
    /// Empty when the catalogue has no categories (the page then lists nothing).
    pub current: String,
    pub items: Vec<ItemView>,
}

pub fn catalogue(app: &KioskApp) -> CatalogueView {
    let catalogue = app.catalogue();
    let lang = app.lang();
    let current = app.current_category().to_string();
    CatalogueView {
        categories: catalogue
            .categories
            .iter()
            .map(|c| CategoryView {
                code: c.code.clone(),
                name: c.name.get(lang).to_string(),
                count: catalogue.items_in(&c.code).count(),
            })
            .collect(),
        items: catalogue
            .items_in(&current)
            .map(|i| ItemView {
                code: i.code.clone(),
                name: i.name.get(lang).to_string(),
                at_most_once: i.has(Flag::AtMostOnce),
                immediate: i.has(Flag::Immediate),
                online_only: i.has(Flag::ZeroTrip),
                express: i.has(Flag::ExpressDelivery),
            })
            .collect(),
        current,
    }
}
