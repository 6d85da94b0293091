<?php
/*
 * Runs PHP code read from stdin (no `<?php` tag) inside one test WordPress, wp-load.php
 * loaded: `GH_WORDPRESS_CONFIG=<name> GH_WORDPRESS_HOST=127.0.0.1:<port> php run.php`.
 * `php run.php install` runs install.php instead, on an empty database.
 */
$_SERVER['WORDPRESS_CONFIG'] = getenv('GH_WORDPRESS_CONFIG');
$_SERVER['HTTP_HOST'] = getenv('GH_WORDPRESS_HOST');
$_SERVER['REQUEST_URI'] = '/';
$_SERVER['SERVER_NAME'] = '127.0.0.1';

$installing = ($argv[1] ?? '') === 'install';
if ($installing) {
    define('WP_INSTALLING', true);
}
require '/usr/share/wordpress/wp-load.php';
require_once ABSPATH . 'wp-admin/includes/upgrade.php';
require_once ABSPATH . 'wp-admin/includes/taxonomy.php';
require_once __DIR__ . '/harness.php';
if ($installing) {
    require __DIR__ . '/install.php';
} else {
    // As the admin, whose posts keep their HTML as written (no kses filtering).
    wp_set_current_user(1);
    eval(stream_get_contents(STDIN));
}
