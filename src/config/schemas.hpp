#pragma once

// Declarations of every schema_of<T> specialisation, so that any file may
// use any table whatever order they are defined in.

#include <cback/config/schema.hpp>

namespace cback::config::schema {

template <>
const Schema<Reference>& schema_of<Reference>();
template <>
const Schema<Dependencies>& schema_of<Dependencies>();
template <>
const Schema<ExtendedAction>& schema_of<ExtendedAction>();
template <>
const Schema<Extensions>& schema_of<Extensions>();
template <>
const Schema<CommandOverride>& schema_of<CommandOverride>();
template <>
const Schema<ActionHook>& schema_of<ActionHook>();
template <>
const Schema<Options>& schema_of<Options>();
template <>
const Schema<Peer>& schema_of<Peer>();
template <>
const Schema<Peers>& schema_of<Peers>();
template <>
const Schema<Exclusions>& schema_of<Exclusions>();
template <>
const Schema<CollectFile>& schema_of<CollectFile>();
template <>
const Schema<CollectDir>& schema_of<CollectDir>();
template <>
const Schema<Collect>& schema_of<Collect>();
template <>
const Schema<Stage>& schema_of<Stage>();
template <>
const Schema<BlankBehavior>& schema_of<BlankBehavior>();
template <>
const Schema<Store>& schema_of<Store>();
template <>
const Schema<PurgeDir>& schema_of<PurgeDir>();
template <>
const Schema<Purge>& schema_of<Purge>();
template <>
const Schema<MysqlConfig>& schema_of<MysqlConfig>();
template <>
const Schema<PostgresqlConfig>& schema_of<PostgresqlConfig>();
template <>
const Schema<SubversionRepository>& schema_of<SubversionRepository>();
template <>
const Schema<SubversionRepositoryDir>& schema_of<SubversionRepositoryDir>();
template <>
const Schema<SubversionConfig>& schema_of<SubversionConfig>();
template <>
const Schema<MboxFile>& schema_of<MboxFile>();
template <>
const Schema<MboxDir>& schema_of<MboxDir>();
template <>
const Schema<MboxConfig>& schema_of<MboxConfig>();
template <>
const Schema<EncryptConfig>& schema_of<EncryptConfig>();
template <>
const Schema<SplitConfig>& schema_of<SplitConfig>();
template <>
const Schema<CapacityConfig>& schema_of<CapacityConfig>();
template <>
const Schema<AmazonS3Config>& schema_of<AmazonS3Config>();
template <>
const Schema<Config>& schema_of<Config>();

} // namespace cback::config::schema
