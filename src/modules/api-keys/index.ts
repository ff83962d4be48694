import { apiModule } from '../../lib/module.js'
import { apiKeyRoutes } from './routes.js'
import { ApiKeySchema, IssuedApiKeySchema } from './schemas.js'

/** API keys, issued and revoked by admins. */
export default apiModule('api-keys', [ApiKeySchema, IssuedApiKeySchema], (v1) => v1.register(apiKeyRoutes))
