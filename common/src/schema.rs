//! Schemas of the types whose JSON is keyed by the studio layout's column names (a profile,
//! a customer), made from [`Field::ALL`] so they name the same keys the JSON does. The
//! other types derive theirs.

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{
    AdditionalProperties, KnownFormat, ObjectBuilder, Schema, SchemaFormat, SchemaType, Type,
};
use utoipa::{PartialSchema, ToSchema};

use crate::customer::{Customer, Field, Profile};

fn text(nullable: bool) -> ObjectBuilder {
    let ty = if nullable {
        SchemaType::from_iter([Type::String, Type::Null])
    } else {
        SchemaType::Type(Type::String)
    };
    ObjectBuilder::new().schema_type(ty)
}

fn uuid() -> ObjectBuilder {
    text(false).format(Some(SchemaFormat::KnownFormat(KnownFormat::Uuid)))
}

impl PartialSchema for Profile {
    fn schema() -> RefOr<Schema> {
        let mut object = ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Object))
            .description(Some(
                "A customer's profile: the studio layout's column names, each with a value or absent",
            ))
            .additional_properties(Some(AdditionalProperties::FreeForm(false)));
        for field in Field::ALL {
            object = object.property(field.column(), text(false));
        }
        object.into()
    }
}

impl ToSchema for Profile {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Profile")
    }
}

impl PartialSchema for Customer {
    fn schema() -> RefOr<Schema> {
        let mut object = ObjectBuilder::new()
            .schema_type(SchemaType::Type(Type::Object))
            .description(Some(
                "A customer: its id, each profile field by studio column name (null: no value), and when it was created and last changed",
            ))
            .property("id", uuid())
            .required("id");
        for field in Field::ALL {
            object = object
                .property(field.column(), text(true))
                .required(field.column());
        }
        for time in ["CreatedAt", "UpdatedAt"] {
            object = object
                .property(
                    time,
                    text(false).format(Some(SchemaFormat::KnownFormat(KnownFormat::DateTime))),
                )
                .required(time);
        }
        RefOr::T(Schema::Object(object.build()))
    }
}

impl ToSchema for Customer {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Customer")
    }
}
